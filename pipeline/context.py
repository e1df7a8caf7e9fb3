"""Context of a mention: qualifier, metric and subject (years: pipeline.years; sources: pipeline.studies).

Pure functions over a parsed Doc; every word list lives in a rule file
(qualifiers, metrics, years, sources). Where Dutch needs more than a table
(which clause a year belongs to, which earlier sentence's source still
holds), the logic is here, in small named steps.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.nlp import get_nlp, sent_lowers, sent_of, sent_text
from pipeline.rules import load_rules

QUAL = load_rules("qualifiers").tables
METRICS = load_rules("metrics").tables

_CLAUSE_BREAKS = {",", ";", ":", "–", "—", "-", "?", "!"}


# --------------------------------------------------------------------------- helpers


MAX_CLAUSE = 60  # tokens each way: a clause is never longer; keeps run-on 'sentences' linear


def clause_bounds(sent: Span, i: int) -> tuple[int, int]:
    """Token range [start, end) of the clause around token i (split at , ; : and dashes)."""
    doc = sent.doc
    floor, ceil = max(sent.start, i - MAX_CLAUSE), min(sent.end, i + MAX_CLAUSE)
    start = i
    while start > floor and doc[start - 1].text not in _CLAUSE_BREAKS:
        start -= 1
    end = i + 1
    while end < ceil and doc[end].text not in _CLAUSE_BREAKS:
        end += 1
    return start, end


# --------------------------------------------------------------------------- qualifier


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
    lows = [t.lower_ for t in doc[lo:start]]
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
        if end + n <= len(doc) and [t.lower_ for t in doc[end : end + n]] == words:
            return qual
    return None


# --------------------------------------------------------------------------- metrics


@lru_cache(maxsize=1)
def _metric_matcher() -> PhraseMatcher:
    nlp = get_nlp()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for metric, phrases in METRICS["terms"].items():
        matcher.add(metric, [nlp.make_doc(p) for p in phrases])
    return matcher


@dataclass(frozen=True)
class Term:
    start: int
    end: int
    metric: str


def metric_terms(doc: Doc) -> list[Term]:
    """Every KPI term in the doc, longest match first where they overlap."""
    matcher = _metric_matcher()
    found = sorted(
        (Term(s, e, doc.vocab.strings[mid]) for mid, s, e in matcher(doc)), key=lambda t: (t.start, -(t.end - t.start))
    )
    out: list[Term] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out


_SCORE_RANGES = METRICS["score_ranges"]
_LINK_WORDS = set(METRICS["link_words"])
_CLAUSE_RULES = [(r["metric"], [re.compile(p) for p in r["all"]]) for r in METRICS["clause_rules"]]


def _terms_in(terms: list[Term], start: int, end: int) -> list[Term]:
    """Terms inside [start, end): terms are sorted by start, so bisect instead of scanning."""
    lo = bisect.bisect_left(terms, start, key=lambda t: t.start)
    out = []
    for t in terms[lo:]:
        if t.start >= end:
            break
        if t.end <= end:
            out.append(t)
    return out


def governing_score_metric(doc: Doc, i: int, terms: list[Term]) -> str | None:
    """The score KPI a bare number belongs to: the nearest score term before it in
    its sentence (after it when none stands before)."""
    sent = sent_of(doc, i)
    before = [t for t in _terms_in(terms, sent.start, i) if t.metric in _SCORE_RANGES]
    if before:
        return before[-1].metric
    after = [t for t in _terms_in(terms, i + 1, sent.end) if t.metric in _SCORE_RANGES and t.start - i <= 6]
    return after[0].metric if after else None


def _in_range(metric: str, value: float) -> bool:
    lo, hi = _SCORE_RANGES[metric]
    return lo <= value <= hi


_GRADE_VERBS = set(METRICS["grade_verbs"])
_GRADE_ADJ = set(METRICS["grade_adjectives"])
_GRADE_CUSTOMERS = re.compile(METRICS["grade_customers"])
_GRADE_TEXT = re.compile(r"(?:10|[1-9])(?:,\d)?")
_GRADE_FOLLOWERS = _LINK_WORDS | {"als", "voor", "en", "in"}  # words a grade may stand before


def _grade(doc: Doc, i: int, sent: Span) -> bool:
    """'Klanten geven de dienstverlening gemiddeld een 7,5': 'een' + a 1..10 value
    (at most one decimal), in a sentence whose verb grades something."""
    tok = doc[i]
    if tok._.numform != "digits" or not _GRADE_TEXT.fullmatch(tok.text):
        return False
    j = i - 1
    while j > sent.start and doc[j].lower_ in _GRADE_ADJ:
        j -= 1
    if j < sent.start or doc[j].lower_ != "een":
        return False
    if i + 1 < len(doc) and doc[i + 1].is_alpha and doc[i + 1].lower_ not in _GRADE_FOLLOWERS:
        return False  # 'een 8 jaar', 'een 5 procent': a numeral with its own noun is no grade
    return any(lw in _GRADE_VERBS for lw in sent_lowers(doc, sent))


def resolve_bare(doc: Doc, i: int, terms: list[Term]) -> tuple[str, str | None, str] | None:
    """(kind, metric, rule id) for a numeral no kind rule claimed, or None to drop it.

    A bare number is a score when a score KPI governs it and the value fits the
    KPI's scale ('De Net Promotor Score steeg van +9 naar +13'); it is a count
    when it is the value of an 'aantal' (the number of things) in a from-to change.
    """
    tok = doc[i]
    value = tok._.num
    if tok._.numform not in ("digits", "signed"):
        return None
    metric = governing_score_metric(doc, i, terms)
    if metric and _in_range(metric, value):
        return "score", metric, "score.bare_with_metric"
    sent = sent_of(doc, tok.i)
    if metric is None and _grade(doc, i, sent):
        graded_by_customers = _GRADE_CUSTOMERS.search(sent_text(doc, i).lower())
        return "score", ("customer_satisfaction" if graded_by_customers else None), "score.grade"
    prev = doc[i - 1].lower_ if i > 0 else ""
    if prev in ("van", "naar") and "aantal" in [t.lower_ for t in doc[sent.start : i]]:
        return "count", None, "count.bare_aantal_change"
    return None


def metric_for(doc: Doc, kind: str, start: int, end: int, terms: list[Term]) -> str | None:
    """The KPI a percentage, duration or score is the value of, else None."""
    sent = sent_of(doc, start)
    c0, c1 = clause_bounds(sent, start)
    clause = doc[c0:c1].text.lower()
    if kind in ("percentage", "score", "duration"):
        for metric, regexes in _CLAUSE_RULES:
            if all(r.search(clause) for r in regexes):
                if kind == "duration" and metric not in ("aht", "wait_time", "response_time", "resolution_time"):
                    continue
                return metric
    if kind == "duration":
        cands = [t for t in _terms_in(terms, sent.start, sent.end) if t.metric in ("aht", "wait_time", "response_time", "resolution_time")]
        if cands:
            return min(cands, key=lambda t: abs(t.start - start)).metric
        return None
    if kind in ("percentage", "score"):
        # a term right before the value, with only linking words between: 'een churn van 5%'
        by_end = {t.end - 1: t for t in _terms_in(terms, c0, start)}
        j = start - 1
        while j >= c0 and j >= start - 6:
            for t in [by_end[j]] if j in by_end else []:
                    if kind == "percentage" and t.metric in ("customer_satisfaction",) and doc[t.start].lower_ in (
                        "tevredenheid",
                        "cijfer",
                        "beoordeling",
                        "waardering",
                    ):
                        return None
                    return t.metric
            if doc[j].lower_ not in _LINK_WORDS:
                break
            j -= 1
    return None


# --------------------------------------------------------------------------- subject

_SUBJECT_STOP = STOP_WORDS | {"procent", "%", "keer", "meer", "minder", "kans", "zo", "vaak"}


def subject_for(doc: Doc, kind: str, start: int, end: int, metric: str | None, terms: list[Term]) -> str | None:
    """Best effort: the noun phrase of what is measured ('64 procent van de bedrijven' -> bedrijven)."""
    sent = sent_of(doc, start)
    if metric:
        named = [t for t in _terms_in(terms, sent.start, start) if t.metric == metric]
        return doc[named[-1].start : named[-1].end].text if named else metric
    j = end
    if kind in ("percentage", "percentage_change") and j < sent.end and doc[j].lower_ == "van":
        j += 1
        while j < sent.end and doc[j].lower_ in ("de", "het", "alle", "hun", "deze", "die"):
            j += 1
        words: list[str] = []
        while j < sent.end and len(words) < 4 and (doc[j].is_alpha or "-" in doc[j].text):
            words.append(doc[j].text)
            if doc[j].lower_ not in _SUBJECT_STOP and not doc[j].lower_.endswith("e"):
                break  # the noun after its adjectives: 'ondervraagde organisaties'
            j += 1
        return " ".join(words) or None
    if kind == "count" and j < sent.end and (doc[j].is_alpha or "-" in doc[j].text) and doc[j].lower_ not in STOP_WORDS:
        return doc[j].text
    return None
