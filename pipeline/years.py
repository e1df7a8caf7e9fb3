"""The year each figure describes (ANNOTATION.md, "year").

Explicit years attach to the figures of their clause; relative phrases
('vorig jaar') are resolved with dateparser against the article's date; a
paragraph's year frame carries forward; a dated study's year is applied by
``pipeline.studies``. Word lists live in ``rules/years.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import dateparser
from spacy.tokens import Doc, Span

from pipeline.nlp import CLAUSE_BREAKS as _CLAUSE_BREAKS
from pipeline.nlp import clause_bounds
from pipeline.qualifiers import QUAL_SKIP
from pipeline.nlp import doc_text, numeral_tokens, paragraph_numbers, sent_lowers, sent_of, sentences, token_lowers, token_texts
from pipeline.rules import load_rules

YEARS = load_rules("years").tables

@dataclass
class YearExpr:
    token: int  # first token of the expression
    year: int
    role: str  # point | base
    marker: int | None = None  # for a base: the first token of its marker ('vergeleken met')


@dataclass
class Frame:
    point: int | None = None
    base: int | None = None
    explicit: bool = False


def _word_index(doc: Doc, sent: Span) -> dict[str, list[int]]:
    """Where each lower-cased word stands in a sentence, built once per sentence: the year
    rules look up dozens of phrases in every sentence, and most sentences hold none."""
    key = ("cx_word_index", sent.start, sent.end)
    index = doc.user_data.get(key)
    if index is None:
        index = {}
        for k, low in enumerate(sent_lowers(doc, sent)):
            index.setdefault(low, []).append(k)
        doc.user_data[key] = index
    return index


_PHRASE_TABLES = ("relative", "previous_of_explicit", "next_of_explicit", "year_on_year")


# a phrase can stand in a sentence only if its longest word does, as a substring of the lower-cased text
_LONGEST = {table: [(p, max(p.split(), key=len)) for p in YEARS[table]] for table in _PHRASE_TABLES}
_RE_FOUR_DIGITS = re.compile(r"\d{4}")


def _low_text(doc: Doc, sent: Span) -> str:
    """The span's text lower-cased, once per span: a substring test on it says cheaply that a
    word or a year cannot be among its tokens (a token's ``lower_`` is its text lower-cased)."""
    key = ("cx_low_text", sent.start, sent.end)
    low = doc.user_data.get(key)
    if low is None:
        low = doc.user_data[key] = doc_text(doc)[sent.start_char : sent.end_char].lower()
    return low


def _present(doc: Doc, sent: Span, table: str) -> list[str]:
    """The phrases of a table that may stand in the sentence (its first word is one of the
    sentence's words; its longest word is in its text), in the table's order. Callers find
    where each stands with ``_phrase_positions``."""
    low = _low_text(doc, sent)
    maybe = [p for p, longest in _LONGEST[table] if longest in low]
    if not maybe:
        return []
    index = _word_index(doc, sent)
    return [p for p in maybe if p.split()[0] in index]


def _phrase_positions(doc: Doc, sent: Span, phrase: str) -> list[int]:
    words = phrase.split()
    n = len(words)
    at = _word_index(doc, sent).get(words[0])
    if not at:
        return []
    lows = sent_lowers(doc, sent)
    return [sent.start + k for k in at if lows[k : k + n] == words]


@lru_cache(maxsize=256)
def _resolve_relative(phrase: str, ref_year: int) -> int | None:
    """'vorig jaar' against the reference year, with dateparser; the table's offset where it has no reading."""
    parsed = dateparser.parse(phrase, languages=["nl"], settings={"RELATIVE_BASE": datetime(ref_year, 7, 1)})
    if parsed is not None:
        return parsed.year
    offset = YEARS["relative"].get(phrase)
    return None if offset is None else ref_year + offset


_RECENT = set(YEARS["recent_words"])
_RECENT_UNITS = set(YEARS["recent_units"])
_RE_RECENT_HINT = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(_RECENT))) + r")\b")


def _recent_unit(words: list[str]) -> bool:
    """'(drie) maanden', '(paar) weken' right after 'afgelopen': a stretch shorter than a year."""
    for k, w in enumerate(words[:3]):
        if w in _RECENT_UNITS:
            return True
        if k == 1 or not (w.isalpha() and w not in ("jaar", "jaren")):
            return False
    return False


_BASE_MARKERS: dict[str, list[list[str]]] = {}  # the comparison markers' words, by their first word
for _marker in YEARS["base_markers"]:
    _BASE_MARKERS.setdefault(_marker.split()[0], []).append(_marker.split())

BASE_REACH = 8  # tokens: 'Vergeleken met de 47.207 klachten in 2013' is one comparison phrase


def _base_marker(doc: Doc, i: int, sent: Span) -> int | None:
    """Where the comparison marker before the year at ``i`` starts, if one governs it: right
    before it ('sinds 2020', 'vergeleken met het jaar 2020') or earlier in its phrase, with no
    clause break between ('Vergeleken met de 47.207 klachten in 2013')."""
    floor = max(sent.start, i - BASE_REACH)
    texts, lows = token_texts(doc), token_lowers(doc)
    for s in range(i - 1, floor - 1, -1):
        if texts[s] in _CLAUSE_BREAKS:
            return None
        for words in _BASE_MARKERS.get(lows[s], ()):  # the markers that start with this word
            if s + len(words) <= i and lows[s : s + len(words)] == words:
                return s
    return None


def _is_base(doc: Doc, i: int, sent: Span) -> bool:
    return _base_marker(doc, i, sent) is not None


def year_expressions(
    doc: Doc, sent: Span, ref_year: int | None, masked: tuple[int, int] | None, prev_point: int | None = None
) -> list[YearExpr]:
    """Year expressions of a sentence. ``prev_point``: the year the sentence before (same
    paragraph) was about, which 'een jaar later' / 'het jaar daarvoor' count from when
    the sentence itself names no year."""
    out: list[YearExpr] = []
    # years are four digits (``pipeline.nlp``): a sentence without four digits in a row has none
    lows = sent_lowers(doc, sent) if _RE_FOUR_DIGITS.search(_low_text(doc, sent)) else []
    for k, low in enumerate(lows):
        if len(low) != 4 or not low.isdigit():
            continue
        tok = doc[sent.start + k]
        if tok._.numform == "year":
            if masked and masked[0] <= tok.idx < masked[1]:
                continue
            marker = _base_marker(doc, tok.i, sent)
            out.append(YearExpr(tok.i, int(tok.text), "point" if marker is None else "base", marker))
    if ref_year is not None:
        for phrase in _present(doc, sent, "relative"):
            for pos in _phrase_positions(doc, sent, phrase):
                # 'het vorige jaar' after an explicit year is handled below
                y = _resolve_relative(phrase, ref_year)
                if y is not None:
                    out.append(YearExpr(pos, y, "base" if _is_base(doc, pos, sent) else "point"))
        # 'de afgelopen drie maanden', 'de voorbije weken': a recent stretch shorter than a year is this year
        low = _low_text(doc, sent)
        if _RE_RECENT_HINT.search(low):
            for k, w in enumerate(sent_lowers(doc, sent)):
                if w in _RECENT and _recent_unit(sent_lowers(doc, sent)[k + 1 : k + 4]):
                    out.append(YearExpr(sent.start + k, ref_year, "point"))
    for table, step in (("previous_of_explicit", -1), ("next_of_explicit", 1)):
        for phrase in _present(doc, sent, table):
            for pos in _phrase_positions(doc, sent, phrase):
                earlier = [e.year for e in out if e.token < pos and doc[e.token]._.numform == "year"]
                anchor = earlier[-1] if earlier else prev_point
                if anchor is not None:
                    out = [e for e in out if not (pos <= e.token < pos + len(phrase.split()))]
                    out.append(YearExpr(pos, anchor + step, "base" if _is_base(doc, pos, sent) else "point"))
    return sorted(out, key=lambda e: e.token)


def explicit_years(doc: Doc, sent: Span, masked: tuple[int, int] | None, ref_year: int | None = None) -> list[int]:
    """The years a sentence names as points in time (not 'sinds 2020'), in order; with the
    article's own year, relative ones too ('in mei van dit jaar')."""
    return [x.year for x in year_expressions(doc, sent, ref_year, masked) if x.role == "point"]


def _has_year_on_year(doc: Doc, sent: Span) -> bool:
    return any(_phrase_positions(doc, sent, p) for p in _present(doc, sent, "year_on_year"))


def sentence_frame(exprs: list[YearExpr], yoy: bool, ref_year: int | None) -> Frame:
    points = [e.year for e in exprs if e.role == "point"]
    bases = [e.year for e in exprs if e.role == "base"]
    frame = Frame(point=points[-1] if points else None, base=bases[-1] if bases else None, explicit=bool(exprs) or yoy)
    if yoy and ref_year is not None:
        frame.point = frame.point or ref_year
        frame.base = frame.base or frame.point - 1
    if frame.base is not None and frame.point is None and ref_year is not None and ref_year > frame.base:
        frame.point = ref_year
    return frame


def _skip_back(doc: Doc, i: int, floor: int) -> int:
    while i > floor and doc[i - 1].lower_ in QUAL_SKIP | {"gemiddeld", "een", "bijna", "ruim", "circa", "ongeveer"}:
        i -= 1
    return i


def change_roles(doc: Doc, sent: Span, figures: list[tuple[int, int]]) -> dict[int, str]:
    """Which figures are the 'van' (from) and 'naar' (to) sides of a change."""
    roles: dict[int, str] = {}
    for k, (s, _e) in enumerate(figures):
        j = _skip_back(doc, s, sent.start)
        if j > sent.start and doc[j - 1].lower_ == "van":
            for s2, _e2 in figures[k + 1 :]:
                j2 = _skip_back(doc, s2, sent.start)
                if j2 > sent.start and doc[j2 - 1].lower_ == "naar" and s2 - s <= 12:
                    roles[s] = "from"
                    roles[s2] = "to"
                    break
    return roles


def assign_years(
    doc: Doc,
    figures: list[tuple[int, int]],
    ref_year: int | None,
    fallback: dict[int, int | None],
    masked: tuple[int, int] | None,
) -> dict[int, int | None]:
    """Year of each figure (keyed by its first token).

    ``ref_year`` is the article's own year (relative phrases count from it, never
    a guess); ``fallback`` holds, per figure, the year that applies when its
    sentence and paragraph name none: its study's year, else a heading's year.
    """
    by_sent: dict[int, list[tuple[int, int]]] = {}
    for f in figures:
        by_sent.setdefault(sent_of(doc, f[0]).start, []).append(f)
    years: dict[int, int | None] = {}
    prev_frame: Frame | None = None
    opener: int | None = None  # the year of the last paragraph that opens with one ('In 2019 ...')
    paragraph = paragraph_numbers(doc)
    for k, sent in enumerate(sentences(doc)):
        same_paragraph = k > 0 and paragraph[k] == paragraph[k - 1]
        carry = prev_frame if (same_paragraph and prev_frame and prev_frame.explicit) else None
        exprs = year_expressions(doc, sent, ref_year, masked, carry.point if carry else None)
        yoy = _has_year_on_year(doc, sent)
        frame = sentence_frame(exprs, yoy, ref_year)
        if carry and carry.point and frame.base is not None and not any(x.role == "point" for x in exprs) and carry.point > frame.base:
            # 'Vorig jaar kwamen er 51.110 binnen. Vergeleken met de 47.207 in 2013 is dat 8 procent meer.'
            frame.point = carry.point
        sent_figs = by_sent.get(sent.start, [])
        roles = change_roles(doc, sent, sent_figs)
        starts = [f[0] for f in sent_figs]
        spread = _respectively(doc, sent, exprs, starts)
        # 'Dit jaar is dat 18 procent' in an undated article: a time we cannot name, not the frame before
        unknown_now = ref_year is None and not exprs and any(_phrase_positions(doc, sent, p) for p in _present(doc, sent, "relative"))
        for s, e in sent_figs:
            if s in spread or unknown_now:
                years[s] = spread.get(s)
                continue
            later = opener if opener is not None else fallback.get(s)
            years[s] = _year_of(sent, s, e, starts, exprs, frame, roles.get(s), carry, ref_year, later)
        if not same_paragraph:
            opening = [x for x in exprs if x.role == "point" and x.token - sent.start <= OPENER_TOKENS]
            if opening and doc[opening[0].token]._.numform == "year":
                opener = opening[0].year
        prev_frame = frame
    years.update(table_years(doc, figures))
    return years


def infer_ref_year(doc: Doc, figures: list[tuple[int, int]], masked: tuple[int, int] | None) -> int | None:
    """The year an undated article was written, where its text gives it away: a figure given
    for a relative year ('vorig jaar 51.110 klachten') and restated with its year ('In 2014
    ging het om 51.110 klachten'). Only figures of three digits or more count as the same."""
    relative: dict[str, int] = {}
    explicit: dict[str, int] = {}
    for s, e in figures:
        text = doc[s:e].text
        if sum(ch.isdigit() for ch in text) < 3:
            continue
        sent = sent_of(doc, s)
        offsets = {YEARS["relative"][p] for p in _present(doc, sent, "relative") if _phrase_positions(doc, sent, p)}
        points = set(explicit_years(doc, sent, masked))
        if len(offsets) == 1 and not points:
            relative[text] = offsets.pop()
        elif len(points) == 1 and not offsets:
            explicit[text] = points.pop()
    found = {explicit[t] - o for t, o in relative.items() if t in explicit}
    return found.pop() if len(found) == 1 else None


_COLUMN_GAP = re.compile(r"\t+|[ \t]{2,}")


def _cells(line: str) -> list[tuple[int, str]]:
    """A text-table line's cells with their offsets: runs separated by tabs or 2+ spaces."""
    out, pos = [], 0
    for part in _COLUMN_GAP.split(line):
        at = line.index(part, pos) if part else pos
        if part.strip():
            out.append((at, part.strip()))
        pos = at + len(part)
    return out


def table_years(doc: Doc, figures: list[tuple[int, int]]) -> dict[int, int | None]:
    """Years of figures in a text table, by column: a header of years ('Imago  2008  2009')
    gives each column its year; a header of editions in order ('Eerste onderzoek  Tweede
    onderzoek  Derde onderzoek') leaves the earlier columns without one (the last column is
    the study's own). Only figures on rows of such a table are returned."""
    text = doc_text(doc)
    starts = {doc[s].idx: s for s, _e in figures}
    out: dict[int, int | None] = {}
    header: list[tuple[int, str]] | None = None
    offset = 0
    for line in text.split("\n"):
        if "\t" not in line and "  " not in line:  # prose: one cell, no table here
            header = None
            offset += len(line) + 1
            continue
        cells = _cells(line)
        if len(cells) < 3:
            header = None if not line.strip() or len(cells) < 2 else header
        else:
            in_row = [starts[offset + at] for at, _c in cells[1:] if offset + at in starts]
            if header is None or not in_row:
                header = cells if not in_row else None
            elif len(in_row) == len(cells) - 1 and len(header) >= len(in_row):
                labels = [c for _a, c in header[-len(in_row):]]
                for k, (s, label) in enumerate(zip(in_row, labels)):
                    if re.fullmatch(r"(?:19|20)\d{2}", label):
                        out[s] = int(label)
                    elif all(any(w in YEARS["edition_words"] for w in lab.lower().split()) for lab in labels):
                        if k < len(labels) - 1:
                            out[s] = None
        offset += len(line) + 1
    return out


OPENER_TOKENS = 8  # 'In het tweede kwartaal van 2017 ...': a year this near the start opens a frame


def _respectively(doc: Doc, sent: Span, exprs: list[YearExpr], starts: list[int]) -> dict[int, int]:
    """'in 2018, 2019 en 2021 ... respectievelijk 44%, 50% en 52%': figures and years pair in order."""
    if "respectievelijk" not in _low_text(doc, sent) or "respectievelijk" not in sent_lowers(doc, sent):
        return {}
    points = [x.year for x in exprs if x.role == "point" and doc[x.token]._.numform == "year"]
    if len(points) < 2 or len(points) != len(starts):
        return {}
    return dict(zip(starts, points))


def _nearest(exprs: list[YearExpr], s: int, e: int, figure_starts: list[int]) -> YearExpr:
    """The year expression that belongs to the figure at [s, e): one with no other figure
    between them first, then the nearest, then the one after ('vijf procent in 2021')."""

    def key(x: YearExpr):
        lo, hi = sorted((x.token, s))
        crossed = any(lo < f < hi for f in figure_starts if f != s)
        distance = x.token - e if x.token >= e else s - x.token
        return (crossed, distance, x.token < s)

    return min(exprs, key=key)


def _toen_before(sent: Span, s: int) -> int | None:
    """The 'toen' ('then') a figure's phrase opens with, within a few tokens before it."""
    doc = sent.doc
    for i in range(s - 1, max(sent.start, s - 4) - 1, -1):
        if doc[i].lower_ == "toen":
            return i
        if doc[i].text in _CLAUSE_BREAKS:
            return None
    return None


def _year_of(sent, s, e, figure_starts, exprs, frame, role, carry, ref_year, default_year):  # noqa: PLR0911 - a decision list
    """The year of one figure; each step is a reading of Dutch, most specific first."""
    if frame.base is not None and role == "from":
        return frame.base
    if frame.base is not None and role == "to":
        return frame.point
    c0, c1 = clause_bounds(sent, s)
    then = _toen_before(sent, s)
    if then is not None:  # 'Tegenover 2019, toen er 15.816 klachten werden geteld', 'dan in 2019 (toen 16.246)'
        earlier = [x for x in exprs if x.token < then]
        if earlier:
            return earlier[-1].year
    if sent[0].lower_ == "toen" and carry is not None and not exprs:
        return carry.base if carry.base is not None else carry.point  # '... beter dan in het jaar daarvoor. Toen was het een 7.1.'
    for x in exprs:
        if x.marker is not None and x.marker < s and e <= x.token:
            return x.year  # the figure compared with: 'Vergeleken met de 47.207 klachten in 2013'
    in_clause = [x for x in exprs if c0 <= x.token < c1 and x.role == "point"]
    if in_clause:
        return _nearest(in_clause, s, e, figure_starts).year
    points = [x for x in exprs if x.role == "point"]
    if points:
        before = [x for x in points if x.token < s]
        if before:
            return before[-1].year
        if ref_year is not None and all(x.year < ref_year for x in points):
            return ref_year  # '31 procent ..., in 2020 was dit zestien procent': the other figure is now
        return None
    if frame.base is not None:
        bases = [x for x in exprs if x.role == "base"]
        doc = sent.doc
        period = [x for x in bases if x.marker is not None and doc[x.marker].lower_ in YEARS["period_markers"]]
        now = any(t.lower_ in YEARS["now_words"] for t in doc[c0:c1])  # ', waarmee het totaal momenteel op 845 uitkomt'
        if role is None and period and not now:
            return None  # 'Sinds 2016 kwamen er al 22.158 klachten binnen': a total over a period, no one year
        return frame.point  # 'vergeleken met 2021 ... twee derde': now
    if carry is not None:
        if role == "from" and carry.base is not None:
            return carry.base
        return carry.point
    return default_year


def title_year(doc: Doc, title_span: tuple[int, int] | None, masked: tuple[int, int] | None = None) -> int | None:
    """A year in the title ('De laatste ontwikkelingen in klantinteractie 2018'), not in a dateline."""
    if not title_span:
        return None
    years = [
        int(t.text)
        for t in (doc[i] for i in numeral_tokens(doc))  # years are numeral tokens: no need to look at every token
        if t._.numform == "year"
        and title_span[0] <= t.idx < title_span[1]
        and not (masked and masked[0] <= t.idx < masked[1])
    ]
    return years[-1] if years else None
