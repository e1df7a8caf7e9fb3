"""Editors' corrections -> corrected mention records: applied after extraction, on every run.

An editor rejects a mention, changes some of its fields, or adds a figure the
extractor missed (``schemas.records.Correction``; one JSON object a line in
``corrections.jsonl``). Corrections are applied in file order to the mention at
exactly their span, so a later correction of the same mention wins field by
field. A correction made on other bytes of the article (its ``sha256`` differs)
is not applied but reported: its offsets may point anywhere now.

Pure: text in, records out. Reading and writing files is the flows' business.
Reason codes of what is reported (``level: "correction"`` in rejected.jsonl):

- ``rejected_by_editor``: a mention an editor rejected (the mention is the candidate)
- ``replaced_by_editor``: an extracted mention overlapping a figure an editor added
- ``stale_correction``: the article changed (or is gone) since the correction was made
- ``unmatched_correction``: no mention at the span to reject or set (the extractor changed)
- ``invalid_correction``: the line does not validate, or the corrected record would not
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import ValidationError

from pipeline.records import mention_id
from pipeline.records import unit_for as default_unit  # the one place units are derived from a kind
from schemas.records import Correction, MetricMention

EDITOR_RULE = "editor"  # the ``rule`` of a figure an editor added
SETTABLE = ("value", "kind", "unit", "qualifier", "metric", "subject", "year", "source")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


def correction_dict(c: Correction) -> dict:
    """The JSON object of a correction as written: ``fields`` holds only the keys given."""
    d = c.model_dump(mode="json")
    d["fields"] = c.fields.model_dump(mode="json", exclude_unset=True)
    return d


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())) or 'record'}: {str(e.get('msg', '')).removeprefix('Value error, ')}"
        for e in exc.errors()
    )


@dataclass
class Parsed:
    """The corrections of a file: valid ones by article (file order), invalid lines with their reason."""

    by_article: dict[str, list[dict]] = field(default_factory=dict)
    invalid: list[dict] = field(default_factory=list)  # {"line", "reason", "raw", "article_id"}

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_article.values())


def parse_corrections(text: str) -> Parsed:
    """Validate every line of a corrections file; a bad line is kept as invalid, never dropped."""
    by_article: dict[str, list[dict]] = defaultdict(list)
    invalid = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            invalid.append({"line": n, "reason": f"invalid_correction: line {n} is not JSON ({exc})", "raw": line, "article_id": ""})
            continue
        try:
            c = Correction.model_validate(raw)
        except ValidationError as exc:
            aid = raw.get("article_id") if isinstance(raw, dict) and isinstance(raw.get("article_id"), str) else ""
            invalid.append({"line": n, "reason": f"invalid_correction: line {n}: {_errors(exc)}", "raw": raw, "article_id": aid})
            continue
        by_article[c.article_id].append(correction_dict(c))
    return Parsed(dict(by_article), invalid)


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence a span stands in, by punctuation and line breaks (for added figures)."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    m = _SENTENCE_END.search(text, end)
    stop = m.end() if m and m.group() != "\n" else (m.start() if m else len(text))
    return text[begin:stop].strip()


@dataclass
class Applied:
    article: dict
    mentions: list[dict]
    rejections: list[dict]  # the article's rejections, plus what the corrections reported
    applied: int = 0


def _report(article: dict, reason: str, span: dict | None, candidate: dict | None) -> dict:
    from schemas.records import Rejection

    return Rejection(
        article_id=article["article_id"], path=article.get("path", ""), level="correction", reason=reason, span=span, candidate=candidate
    ).model_dump(mode="json")


def _where(c: dict) -> str:
    return f"{c['span']['start']}..{c['span']['end']}"


def _note(old: dict | None, action: str, given: list[str], at: str) -> dict:
    prev = old or {}
    return {
        "action": prev.get("action", action) if action == "set" else "add",
        "fields": sorted(set(prev.get("fields", [])) | set(given)),
        "at": max(prev.get("at", ""), at),
    }


def apply_corrections(article: dict, mentions: list[dict], rejections: list[dict], corrections: list[dict], text: str | None) -> Applied:
    """Apply one article's corrections (file order) to its extracted records.

    ``article`` is its articles.jsonl record, ``text`` its decoded text (needed to add
    figures; None when it cannot be read, which leaves additions unapplied).
    """
    by_span: dict[tuple[int, int], dict] = {(m["span"]["start"], m["span"]["end"]): m for m in mentions}
    editor_rejected: dict[tuple[int, int], dict] = {}
    reports: list[dict] = []
    applied = 0
    for c in corrections:
        key = (c["span"]["start"], c["span"]["end"])
        if article.get("status") != "ok":
            reports.append(_report(article, f"stale_correction: {c['action']} at {_where(c)} not applied: the article is quarantined ({article.get('error')})", c["span"], c))
            continue
        if c["sha256"] != article.get("sha256"):
            reports.append(
                _report(
                    article,
                    f"stale_correction: {c['action']} at {_where(c)} not applied: the article changed since the correction "
                    f"(sha256 {c['sha256'][:12]}... then, {article.get('sha256', '')[:12]}... now)",
                    c["span"],
                    c,
                )
            )
            continue
        fields = c.get("fields") or {}
        if c["action"] == "reject":
            m = by_span.pop(key, None)
            if m is None:
                reports.append(_report(article, f"unmatched_correction: no mention at {_where(c)} to reject", c["span"], c))
                continue
            editor_rejected[key] = {"mention": m, "at": c["at"]}
            applied += 1
        elif c["action"] == "set":
            m = by_span.get(key)
            if m is None:
                reports.append(_report(article, f"unmatched_correction: no mention at {_where(c)} to set {', '.join(sorted(fields))}", c["span"], c))
                continue
            new = {**m, **fields, "corrected": _note(m.get("corrected"), "set", list(fields), c["at"])}
            if "kind" in fields and "unit" not in fields and fields["kind"] != m["kind"]:
                new["unit"] = default_unit(fields["kind"], None, new.get("metric"))
            rec = _validate(article, new, c, reports)
            if rec is not None:
                by_span[key] = rec
                applied += 1
        else:  # add
            start, end = key
            if text is None or end > len(text) or not text[start:end].strip():
                why = "the article text is unavailable" if text is None else "the span is outside the text or blank"
                reports.append(_report(article, f"unmatched_correction: cannot add at {_where(c)}: {why}", c["span"], c))
                continue
            surface = text[start:end]
            rec = {
                "schema_version": MetricMention.model_fields["schema_version"].default,
                "id": mention_id(article["article_id"], start, end, surface),
                "article_id": article["article_id"],
                "span": {"start": start, "end": end},
                "text": surface,
                "sentence": sentence_around(text, start, end),
                "kind": fields["kind"],
                "value": fields["value"],
                "unit": fields["unit"] if "unit" in fields else default_unit(fields["kind"], None, fields.get("metric")),
                "qualifier": fields.get("qualifier"),
                "metric": fields.get("metric"),
                "subject": fields.get("subject"),
                "year": fields.get("year"),
                "source": fields.get("source"),
                "published": article.get("published"),
                "rule": EDITOR_RULE,
                "corrected": _note(None, "add", list(fields), c["at"]),
            }
            rec = _validate(article, rec, c, reports)
            if rec is None:
                continue
            for other in [k for k in by_span if k[0] < end and start < k[1]]:
                old = by_span.pop(other)
                if old.get("rule") != EDITOR_RULE:
                    reports.append(
                        _report(article, f"replaced_by_editor: an editor's figure at {_where(c)} covers this mention", old["span"], old)
                    )
            editor_rejected.pop(key, None)
            by_span[key] = rec
            applied += 1
    for key, r in editor_rejected.items():
        m = r["mention"]
        reports.append(_report(article, f"rejected_by_editor: an editor rejected this mention ({r['at']})", m["span"], m))
    out_mentions = sorted(by_span.values(), key=lambda m: (m["span"]["start"], m["span"]["end"]))
    out_rejections = sorted(
        list(rejections) + reports, key=lambda r: ((r.get("span") or {}).get("start", -1), (r.get("span") or {}).get("end", -1))
    )
    new_article = {**article, "n_mentions": len(out_mentions)} if corrections else article
    return Applied(new_article, out_mentions, out_rejections, applied)


def _validate(article: dict, rec: dict, c: dict, reports: list[dict]) -> dict | None:
    try:
        return MetricMention.model_validate(rec).model_dump(mode="json")
    except ValidationError as exc:
        reports.append(_report(article, f"invalid_correction: {c['action']} at {_where(c)}: {_errors(exc)}", c["span"], c))
        return None


def orphan_reports(corrections: list[dict], article_id: str) -> list[dict]:
    """Corrections of an article that is no longer in the corpus: stale, reported."""
    art = {"article_id": article_id, "path": ""}
    return [
        _report(art, f"stale_correction: {c['action']} at {_where(c)} not applied: article '{article_id}' is not in the corpus", c["span"], c)
        for c in corrections
    ]


def invalid_reports(parsed: Parsed) -> list[dict]:
    """The lines of a corrections file that did not validate, as rejections."""
    out = []
    for bad in parsed.invalid:
        raw = bad["raw"] if isinstance(bad["raw"], dict) else {"line": bad["raw"]}
        out.append(_report({"article_id": bad["article_id"], "path": ""}, bad["reason"], None, raw))
    return out


__all__ = [
    "EDITOR_RULE",
    "Applied",
    "Parsed",
    "apply_corrections",
    "correction_dict",
    "invalid_reports",
    "orphan_reports",
    "parse_corrections",
    "sentence_around",
]
