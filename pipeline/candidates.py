"""Doc -> candidate mentions, one per numeral, each with the id of its rule.

The SpanRuler writes every match of every kind rule to ``doc.spans["candidates"]``,
overlaps and all. Here each match is trimmed to its mention (the numeral plus
its marker: ``157 procent``, ``2,9 keer``, ``€ 2,5 miljoen``), and where several
rules claim the same numeral the one with the highest priority wins, then the
longest match. Numerals no rule claimed come back as *bare* numerals: whether
``+13`` or ``7,5`` is a score is decided from context in ``pipeline.metrics``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from pipeline.nlp import CANDIDATES_KEY, KIND_FILES, quantity_tokens, sent_text
from pipeline.rules import Rule, load_rules

MARKERS = load_rules("markers").tables
_AFTER: dict[str, str] = MARKERS["after"]
_BEFORE: dict[str, str] = MARKERS["before"]
_RATIO_WORDS = re.compile(load_rules("ratio").tables["ratio_words"])


@dataclass
class Candidate:
    """A numeral claimed by a rule, trimmed to the mention's tokens."""

    start: int  # token index of the mention's first token
    end: int  # token index one past its last token
    anchor: int  # token index of the numeral
    kind: str
    rule: str
    unit: str | None
    sign: int = 1
    scale: float = 1.0
    priority: int = 0
    match_len: int = 1
    metric: str | None = None  # set by context rules that resolve it with the kind ('score.grade')


@lru_cache(maxsize=1)
def rules_by_id() -> dict[str, Rule]:
    out = {}
    for name in KIND_FILES:
        for rule in load_rules(name).rules:
            if rule.id in out:
                raise ValueError(f"duplicate rule id {rule.id}")
            out[rule.id] = rule
    return out


def is_quantity(tok: Token) -> bool:
    return tok._.num is not None


def mention_bounds(doc: Doc, anchor: int) -> tuple[int, int, str | None]:
    """Numeral plus one marker after it (procent, keer, euro) or a currency sign before it."""
    start, end, unit = anchor, anchor + 1, None
    if end < len(doc) and doc[end].lower_ in _AFTER:
        unit = _AFTER[doc[end].lower_]
        end += 1
    elif anchor > 0 and doc[anchor - 1].lower_ in _BEFORE:
        start -= 1
        unit = _BEFORE[doc[anchor - 1].lower_]
    return start, end, unit


def _anchor(span: Span, rule: Rule) -> int | None:
    nums = [t.i for t in span if is_quantity(t) or t._.numform == "ratio"]
    if not nums:
        return None
    return nums[-1] if rule.mention == "last" else nums[0]


def _allowed(rule: Rule, sentence: str) -> bool:
    low = sentence.lower()
    if rule.requires and not re.search(rule.requires, low):
        return False
    if rule.excludes and re.search(rule.excludes, low):
        return False
    return True


def _ratio_ok(tok: Token, sentence: str) -> bool:
    """A/B is a split when the parts add up to 100, or when the sentence says 'verhouding'."""
    a, b = tok._.num, tok._.ratio_b
    if a is None or b is None:
        return False
    return abs(a + b - 100) < 0.01 or bool(_RATIO_WORDS.search(sentence.lower()))


def find_candidates(doc: Doc) -> tuple[list[Candidate], list[int]]:
    """(candidates, bare numeral token indices), both in text order."""
    rules = rules_by_id()
    best: dict[int, Candidate] = {}
    for span in doc.spans[CANDIDATES_KEY]:
        rule = rules.get(span.id_)
        if rule is None:
            continue
        anchor = _anchor(span, rule)
        if anchor is None:
            continue
        tok = doc[anchor]
        sentence = sent_text(doc, tok.i)
        if not _allowed(rule, sentence):
            continue
        if rule.kind == "ratio":
            if not _ratio_ok(tok, sentence):
                continue
        elif tok._.num is None:
            continue
        start, end, marker_unit = mention_bounds(doc, anchor)
        cand = Candidate(
            start=start,
            end=end,
            anchor=anchor,
            kind=rule.kind or "",
            rule=rule.id,
            # a range's first number takes the unit at the end of the match: 'van 6 naar 5 minuten'
            unit=rule.unit or marker_unit or _AFTER.get(span[-1].lower_),
            sign=rule.sign,
            scale=rule.scale,
            priority=rule.priority,
            match_len=len(span),
        )
        old = best.get(anchor)
        if old is None or (cand.priority, cand.match_len) > (old.priority, old.match_len):
            best[anchor] = cand
    claimed = sorted(best.values(), key=lambda c: c.start)
    # two mentions must not overlap (a currency sign shared by two numerals): keep the earlier
    out: list[Candidate] = []
    for c in claimed:
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    covered = {i for c in out for i in range(c.start, c.end)}
    bare = [i for i in quantity_tokens(doc) if i not in covered]
    return out, bare
