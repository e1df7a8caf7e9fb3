"""Scores predicted mentions against gold, the way ANNOTATION.md describes.

A predicted mention matches a gold one when their spans overlap and the
values agree (within 0.5 for fractions written in words, else within 1%).
Matching is one-to-one, greedy by overlap. Gold mentions marked ``optional``
are neither rewarded nor punished: a prediction matching one is set aside,
a missed one is not a miss. On matched mentions the attributes are compared:
kind, source (the predicted organization is one of gold's aliases, or both
are null), qualifier, metric and year. ``published`` is compared per article.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

WORD_FRACTION = re.compile(r"[a-zé]", re.IGNORECASE)
ATTRIBUTES = ("kind", "source", "qualifier", "metric", "year")


def norm_org(name: str | None) -> str | None:
    """Case, accents, punctuation and spacing do not matter: 'NTT Ltd.' == 'ntt ltd'."""
    if name is None:
        return None
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return s or None


def values_agree(gold: dict, pred: dict) -> bool:
    g, p = float(gold["value"]), float(pred["value"])
    if WORD_FRACTION.search(gold["text"]) and gold.get("kind") == "percentage" and not re.search(r"\d", gold["text"]):
        return abs(g - p) <= 0.5
    return abs(g - p) <= max(abs(g) * 0.01, 1e-9)


def _span(rec: dict) -> tuple[int, int]:
    if rec.get("span"):
        return rec["span"]["start"], rec["span"]["end"]
    return rec["start"], rec["end"]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def source_agrees(gold: dict, pred: dict) -> bool:
    aliases = gold.get("source")
    src = pred.get("source") or {}
    org = src.get("organization") if isinstance(src, dict) else src
    if not aliases:
        return org is None
    if org is None:
        return False
    return norm_org(org) in {norm_org(a) for a in aliases}


def attribute_agrees(attr: str, gold: dict, pred: dict) -> bool:
    if attr == "source":
        return source_agrees(gold, pred)
    return gold.get(attr) == pred.get(attr)


@dataclass
class Match:
    gold: dict
    pred: dict


@dataclass
class Report:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    optional_hits: int = 0
    attr_correct: dict = field(default_factory=lambda: {a: 0 for a in ATTRIBUTES})
    published_correct: int = 0
    published_total: int = 0
    matches: list[Match] = field(default_factory=list)
    missed: list[dict] = field(default_factory=list)
    spurious: list[dict] = field(default_factory=list)
    published_errors: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, attr: str) -> float:
        return self.attr_correct[attr] / self.tp if self.tp else 1.0

    @property
    def published_accuracy(self) -> float:
        return self.published_correct / self.published_total if self.published_total else 1.0

    def errors(self) -> list[dict]:
        """Each missed, spurious and mis-attributed mention: the work list."""
        out = [{"type": "missed", "article_id": g["article_id"], "text": g["text"], "start": g["start"], "gold": g} for g in self.missed]
        out += [
            {"type": "spurious", "article_id": p["article_id"], "text": p["text"], "start": _span(p)[0], "rule": p.get("rule"), "pred": p}
            for p in self.spurious
        ]
        for m in self.matches:
            for attr in ATTRIBUTES:
                if not attribute_agrees(attr, m.gold, m.pred):
                    gold_v = m.gold.get(attr)
                    pred_v = m.pred.get(attr)
                    if attr == "source":
                        pred_v = (m.pred.get("source") or {}).get("organization")
                    out.append(
                        {
                            "type": f"wrong_{attr}",
                            "article_id": m.gold["article_id"],
                            "text": m.gold["text"],
                            "start": m.gold["start"],
                            "gold": gold_v,
                            "pred": pred_v,
                            "rule": m.pred.get("rule"),
                        }
                    )
        out += self.published_errors
        return sorted(out, key=lambda e: (e["article_id"], e.get("start", -1), e["type"]))

    def summary(self) -> dict:
        return {
            "mentions": {
                "precision": round(self.precision, 4),
                "recall": round(self.recall, 4),
                "f1": round(self.f1, 4),
                "tp": self.tp,
                "fp": self.fp,
                "fn": self.fn,
                "optional_matched": self.optional_hits,
            },
            "attributes": {a: round(self.accuracy(a), 4) for a in ATTRIBUTES},
            "published": {
                "accuracy": round(self.published_accuracy, 4),
                "correct": self.published_correct,
                "total": self.published_total,
            },
        }


def gold_from_mentions(mentions: list[dict]) -> list[dict]:
    """Corrected mention records in the gold format: editors' corrections as a gold set."""
    return [
        {
            "article_id": m["article_id"],
            "start": m["span"]["start"],
            "end": m["span"]["end"],
            "text": m["text"],
            "kind": m["kind"],
            "value": m["value"],
            "source": [org] if (org := (m.get("source") or {}).get("organization")) else [],
            "qualifier": m.get("qualifier"),
            "metric": m.get("metric"),
            "year": m.get("year"),
            "optional": False,
        }
        for m in mentions
    ]


def score(
    pred: list[dict],
    gold: list[dict],
    gold_articles: list[dict] | None = None,
    pred_articles: list[dict] | None = None,
) -> Report:
    """Score predictions against gold; only articles present in gold are scored."""
    report = Report()
    gold_ids = {g["article_id"] for g in gold} | {a["article_id"] for a in gold_articles or []}
    by_article: dict[str, tuple[list[dict], list[dict]]] = {}
    for g in gold:
        by_article.setdefault(g["article_id"], ([], []))[0].append(g)
    for p in pred:
        if p["article_id"] in gold_ids:
            by_article.setdefault(p["article_id"], ([], []))[1].append(p)
    for _aid, (golds, preds) in sorted(by_article.items()):
        pairs = []
        for gi, g in enumerate(golds):
            for pi, p in enumerate(preds):
                ov = _overlap(_span(g), _span(p))
                if ov > 0 and values_agree(g, p):
                    pairs.append((ov, -abs(_span(g)[0] - _span(p)[0]), gi, pi))
        pairs.sort(reverse=True)
        used_g: set[int] = set()
        used_p: set[int] = set()
        for _ov, _d, gi, pi in pairs:
            if gi in used_g or pi in used_p:
                continue
            used_g.add(gi)
            used_p.add(pi)
            g, p = golds[gi], preds[pi]
            if g.get("optional"):
                report.optional_hits += 1
                continue
            report.tp += 1
            report.matches.append(Match(g, p))
            for attr in ATTRIBUTES:
                if attribute_agrees(attr, g, p):
                    report.attr_correct[attr] += 1
        for gi, g in enumerate(golds):
            if gi not in used_g and not g.get("optional"):
                report.fn += 1
                report.missed.append(g)
        for pi, p in enumerate(preds):
            if pi not in used_p:
                report.fp += 1
                report.spurious.append(p)
    if gold_articles is not None and pred_articles is not None:
        pred_pub = {a["article_id"]: a.get("published") for a in pred_articles}
        for a in gold_articles:
            report.published_total += 1
            got = pred_pub.get(a["article_id"])
            if got == a.get("published"):
                report.published_correct += 1
            else:
                report.published_errors.append(
                    {"type": "wrong_published", "article_id": a["article_id"], "gold": a.get("published"), "pred": got}
                )
    return report
