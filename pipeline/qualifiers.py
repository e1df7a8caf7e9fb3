"""Qualifiers: the words that bound a value ('bijna', 'ruim', 'meer dan', 'ongeveer'),
read from ``rules/qualifiers.yaml`` (ANNOTATION.md, "qualifier"). Pure functions over a parsed Doc."""

from __future__ import annotations

from spacy.tokens import Doc

from pipeline.nlp import token_lowers
from pipeline.rules import load_rules

QUAL = load_rules("qualifiers").tables



def _phrase_table(table: dict[str, str]) -> list[tuple[list[str], str]]:
    return sorted(((k.split(), v) for k, v in table.items()), key=lambda kv: -len(kv[0]))


_QUAL_BEFORE = _phrase_table(QUAL["before"])
_QUAL_AFTER = _phrase_table(QUAL["after"])
QUAL_SKIP = set(QUAL["skip"])
_QUAL_LOOKBACK = 12  # tokens: emphasis words plus the longest phrase


def qualifier_for(doc: Doc, start: int, end: int) -> str | None:
    """The bound the text puts on the value: 'bijna 9,8 keer' -> almost."""
    # 'de helft' carries its article inside the mention; emphasis words may stand between,
    # or be part of the phrase itself ('tot wel 30 procent', 'een kleine 40 procent')
    lo = max(0, start - _QUAL_LOOKBACK)
    all_lows = token_lowers(doc)
    lows = all_lows[lo:start]
    ends = [len(lows)]  # candidate phrase ends, as indices into lows
    while ends[-1] > 0 and lows[ends[-1] - 1] in QUAL_SKIP and lows[ends[-1] - 1] not in ("meer", "minder"):
        ends.append(ends[-1] - 1)
    for i in ends:
        for words, qual in _QUAL_BEFORE:
            n = len(words)
            if i >= n and lows[i - n : i] == words:
                return qual
    for words, qual in _QUAL_AFTER:
        n = len(words)
        if end + n <= len(doc) and all_lows[end : end + n] == words:
            return qual
    return None
