"""Metrics and subjects: which KPI a figure is the value of ('nps', 'customer_satisfaction',
'wait_time' ...), which bare numbers a KPI governs as its score, and what a figure is about
(ANNOTATION.md, "metric"). Word lists live in ``rules/metrics.yaml``; where Dutch needs
more than a table (a grade after a grading verb, a score carried from the sentence before),
the logic is here, in small named steps. Pure functions over a parsed Doc.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.candidates import find_candidates
from pipeline.nlp import clause_bounds, doc_text, get_nlp, sent_lowers, sent_of, sent_text, token_lowers
from pipeline.rules import load_rules
from schemas.records import INDEX_MAX, INDEX_MIN, SCORE_SCALES

METRICS = load_rules("metrics").tables



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


def _score_terms_before(doc: Doc, i: int, terms: list[Term], sent: Span) -> list[Term]:
    return [t for t in _terms_in(terms, sent.start, i) if t.metric in SCORE_SCALES]


def governing_score_term(doc: Doc, i: int, terms: list[Term]) -> Term | None:
    """The score KPI term a bare number belongs to: the nearest score term before it in
    its sentence (after it when none stands before)."""
    sent = sent_of(doc, i)
    before = _score_terms_before(doc, i, terms, sent)
    if before:
        return before[-1]
    after = [t for t in _terms_in(terms, i + 1, sent.end) if t.metric in SCORE_SCALES and t.start - i <= 6]
    return after[0] if after else None


def governing_score_metric(doc: Doc, i: int, terms: list[Term]) -> str | None:
    term = governing_score_term(doc, i, terms)
    return term.metric if term else None


def _previous_sentence(doc: Doc, i: int, same_paragraph: bool = True) -> Span | None:
    """The sentence before token i's; with ``same_paragraph``, only when no blank line (a new
    paragraph or a heading) stands between."""
    sent = sent_of(doc, i)
    while sent.start > 0:
        prev = sent_of(doc, sent.start - 1)
        if same_paragraph and "\n\n" in doc_text(doc)[prev.start_char : sent.start_char]:
            return None
        if prev.text.strip():
            return prev
        sent = prev
    return None


def carried_score_term(doc: Doc, i: int, terms: list[Term]) -> Term | None:
    """The score term of the sentence before, for a figure that goes on about it
    ('Simyo haalt een NPS van 30. KPN volgt met een score van 22.')."""
    prev = _previous_sentence(doc, i)
    if prev is None:
        return None
    found = [t for t in _terms_in(terms, prev.start, prev.end) if t.metric in SCORE_SCALES]
    return found[-1] if found else None


def _in_range(metric: str, value: float, term: Term | None = None, doc: Doc | None = None) -> bool:
    """Whether a value fits the KPI's scale (``schemas.records.SCORE_SCALES``); with the term that
    names it, an index of 0..100 too when the term names an index or a score."""
    lo, hi = SCORE_SCALES[metric]
    if term is not None and doc is not None and _index_term(doc, term):
        # 'tevredenheidsindex 65,92', 'tevredenheidsscore 71,85': an index of 0..100 as well as the KPI's
        # own scale ('De Net Promoter Score daalde naar -4' keeps the NPS range)
        lo, hi = min(lo, INDEX_MIN), max(hi, INDEX_MAX)
    return lo <= value <= hi


def _index_term(doc: Doc, term: Term) -> bool:
    return doc[term.end - 1].lower_.endswith(_INDEX_TERMS)


_GRADE_VERBS = set(METRICS["grade_verbs"])
_GRADE_ADJ = set(METRICS["grade_adjectives"])
_GRADE_CUSTOMERS = re.compile(METRICS["grade_customers"])
_GRADE_TEXT = re.compile(r"(?:10|[1-9])(?:[,.]\d{1,2})?")
_OFF_SCALE_GRADE_TEXT = re.compile(r"\d{1,2}(?:[,.]\d{1,2})?")  # 0, 12, 11,5: grade-shaped, off the 1..10 scale
_GRADE_FOLLOWERS = _LINK_WORDS | {"als", "voor", "en", "in"}  # words a grade may stand before
# words that make a number after 'een' a quantity of something, not a grade ('een 5 procent', 'een 8 jaar')
_NOT_GRADE_FOLLOWERS = set(METRICS["not_grade_followers"])
_INDEX_TERMS = tuple(METRICS["index_terms"])
_SCORE_NOUNS = set(METRICS["score_nouns"])


def _grade(doc: Doc, i: int, sent: Span) -> bool:
    """'Klanten geven de dienstverlening gemiddeld een 7,5': 'een' + a 1..10 value, a decimal
    one anywhere ('komen uit op een 4,6', 'met een verdienstelijke 7,76'), a whole one
    ('een 8', 'een magere zes') in a sentence whose verb grades something.

    A bare value of two digits off the scale counts too where a verb grades ('Klanten geven
    de winkel een 12'): a grade that validation rejects (grade_out_of_range).
    """
    tok = doc[i]
    on_scale = True
    if tok._.numform == "digits":
        on_scale = bool(_GRADE_TEXT.fullmatch(tok.text))
        if not on_scale and not (_OFF_SCALE_GRADE_TEXT.fullmatch(tok.text) and _is_bare(doc, i)):
            return False
    elif tok._.numform != "word" or tok._.num is None or not (1 <= tok._.num <= 10) or tok._.num != int(tok._.num):
        return False
    decimal = on_scale and any(ch in tok.text for ch in ",.")  # off the scale, only a grading verb makes it a grade
    return _grade_shape(doc, i, sent, decimal) and (decimal or any(lw in _GRADE_VERBS for lw in sent_lowers(doc, sent)))


def _grade_shape(doc: Doc, i: int, sent: Span, decimal: bool) -> bool:
    """'een' (and an adjective) before the number, and no noun of its own after it."""
    j = i - 1
    if j > sent.start and (doc[j].lower_ in _GRADE_ADJ or _adjective(doc[j])):
        j -= 1  # 'een ruime 8', 'een verdienstelijke 7,76'
    if j < sent.start or doc[j].lower_ != "een":
        return False
    if i + 1 < len(doc):
        nxt = doc[i + 1]
        low = nxt.lower_
        if low in _NOT_GRADE_FOLLOWERS or nxt._.population:
            return False  # 'een 8 jaar', 'een 5 procent': a numeral with its own noun is no grade
        if nxt.is_alpha and low not in _GRADE_FOLLOWERS and low not in STOP_WORDS and not decimal:
            return False
    return True


def _adjective(tok) -> bool:
    """An inflected adjective before a grade: 'magere', 'verdienstelijke', 'dikke'."""
    t = tok.text
    return tok.is_alpha and t.islower() and len(t) > 3 and t.endswith("e") and t not in STOP_WORDS


def _in_parentheses(doc: Doc, i: int) -> bool:
    """'DSW (7,95)', 'Telenet (2.595)', '(72,22 tegenover 71,29)', '(toen 16.246)', '(bijna 20.000)'."""
    j = i - 1
    while j >= 0 and i - j <= 3 and doc[j].text != "(":
        if not (doc[j].is_alpha or doc[j]._.num is not None) or doc[j].text in (")", "."):
            return False
        j -= 1
    if j < 0 or doc[j].text != "(":
        return False
    k = i + 1
    while k < len(doc) and k - i <= 4 and doc[k].text != ")":
        if doc[k].text in ("(", ".", ";"):
            return False
        k += 1
    return k < len(doc) and doc[k].text == ")"


def _table_cell(doc: Doc, i: int) -> bool:
    """A number in a row of a plain-text table: 'Termijn      3,7      4,4      5,0'."""
    text = doc_text(doc)
    start = doc[i].idx
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    before = text[line_start:start]
    return bool(re.search(r"(?:\s{2,}|\t|\|)$", before)) and len(_TABLE_NUMBER.findall(line)) >= 2


_TABLE_NUMBER = re.compile(r"(?:\s{2,}|\t|\|)\s*[-+]?\d+(?:[,.]\d+)?(?=\s|$)")


def _score_noun_before(doc: Doc, i: int, sent: Span) -> bool:
    """'met een score van 22', 'de index van klantentrouw op 56,54': a score without a named KPI."""
    c0, _c1 = clause_bounds(sent, i)
    return any(t.lower_ in _SCORE_NOUNS or t.lower_.endswith("index") for t in doc[max(c0, i - 6) : i])


def resolve_bare(doc: Doc, i: int, terms: list[Term]) -> tuple[str, str | None, str] | None:
    """(kind, metric, rule id) for a numeral no kind rule claimed, or None when it is no figure.

    A bare number is a score when a score KPI governs it and the value fits the
    KPI's scale ('De Net Promotor Score steeg van +9 naar +13'); it is a count
    when it is the value of an 'aantal' (the number of things) in a from-to change.
    A number a KPI governs that fits no other reading stays that KPI's score even off
    its scale ('De NPS is +130'), and a grade-shaped one off the 1..10 scale stays a
    grade ('Klanten geven de winkel een 12'): validation rejects them with the scale
    they break, so they reach rejected.jsonl instead of vanishing.
    """
    tok = doc[i]
    value = tok._.num
    form = tok._.numform
    if form not in ("digits", "signed", "word"):
        return None
    sent = sent_of(doc, tok.i)
    scaled = " " in tok.text.strip()  # '2,5 miljoen', '12 500', 'drie miljoen'
    if scaled or (form == "word" and value >= 1000):
        return "count", None, "count.bare_large"  # a large number standing alone counts things
    decimal = form != "word" and any(ch in tok.text for ch in ",.") and not _THOUSANDS.fullmatch(tok.text)
    off_scale: Term | None = None  # the KPI that governs the number, when its value fits that KPI's scale nowhere
    if form != "word":
        term = governing_score_term(doc, i, terms)
        if term and term.end < i and any(t.lower_.endswith("index") for t in doc[term.end + 1 : i]):
            term = None  # 'de tevredenheidsindex op 65,92 en de index van klantentrouw op 56,54': another index
        fit = _fitting(term, value, doc, "score.bare_with_metric")
        if fit:
            return fit
        off_scale = term
        metric = term.metric if term else None
        if metric is None and _score_noun_before(doc, i, sent):
            carried = carried_score_term(doc, i, terms)
            fit = _fitting(carried, value, doc, "score.bare_score_noun")
            if fit:
                return fit
            if decimal or form == "signed":
                return "score", None, "score.bare_score_noun"
            off_scale = carried
    else:
        metric = None
    if metric is None and _grade(doc, i, sent):
        graded_by_customers = _GRADE_CUSTOMERS.search(sent_text(doc, i).lower())
        if not graded_by_customers:
            carried = carried_score_term(doc, i, terms)
            if carried and carried.metric == "customer_satisfaction":
                graded_by_customers = True
        return "score", ("customer_satisfaction" if graded_by_customers else None), "score.grade"
    if form == "word":
        if value >= 2 and value == int(value) and i > 0 and doc[i - 1].text == "(" and i + 1 < len(doc) and doc[i + 1].text == ")":
            return "count", None, "count.in_parentheses"  # 'Friesland (tien) en Zeeland (vijf)'
        return None
    if decimal and 1 <= value <= 10 and _table_cell(doc, i):
        return "score", None, "score.table_cell"
    if _in_parentheses(doc, i):
        if decimal:
            carried = carried_score_term(doc, i, terms)
            fit = _fitting(carried, value, doc, "score.in_parentheses")
            if fit:
                return fit
            if 1 <= value <= 10:
                return "score", None, "score.in_parentheses"
            return _off_scale(doc, i, off_scale or carried)
        if value >= 10 and form == "digits":
            return "count", None, "count.in_parentheses"
    if form == "digits" and _THOUSANDS.fullmatch(tok.text):
        return "count", None, "count.bare_large"  # '11.406' standing alone
    prev = doc[i - 1].lower_ if i > 0 else ""
    if prev in ("van", "naar", "tot") and "aantal" in [t.lower_ for t in doc[sent.start : i]]:
        return "count", None, "count.bare_aantal_change"
    return _off_scale(doc, i, off_scale)


def _fitting(term: Term | None, value: float, doc: Doc, rule: str) -> tuple[str, str, str] | None:
    """The score of the KPI ``term`` names when the value fits its scale (by ``rule``), or fits only
    as an index of 0..100 ('score.index'); None when it fits neither."""
    if term is None or not _in_range(term.metric, value, term, doc):
        return None
    return "score", term.metric, rule if _in_range(term.metric, value) else "score.index"


def _off_scale(doc: Doc, i: int, term: Term | None) -> tuple[str, str, str] | None:
    """A bare number a score KPI governs whose value fits neither its scale nor an index: still that
    KPI's score, so that validation rejects it with the scale it breaks ('De NPS is +130':
    nps_out_of_range). A numeral a kind rule claimed (extract asks again of one-token counts)
    keeps its kind: off the scale, it is no score of the KPI."""
    if term is None or not _is_bare(doc, i):
        return None
    return "score", term.metric, "score.index" if _index_term(doc, term) else "score.bare_with_metric"


def _is_bare(doc: Doc, i: int) -> bool:
    """Whether no kind rule claimed numeral i (computed once per doc, only when asked)."""
    bare = doc.user_data.get("cx_bare")
    if bare is None:
        bare = doc.user_data["cx_bare"] = frozenset(find_candidates(doc)[1])
    return i in bare


_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")


_TIME_METRICS = ("aht", "wait_time", "response_time", "resolution_time")  # durations; never the value of a share


def metric_for(doc: Doc, kind: str, start: int, end: int, terms: list[Term]) -> str | None:
    """The KPI a percentage, duration or score is the value of, else None."""
    sent = sent_of(doc, start)
    c0, c1 = clause_bounds(sent, start)
    span = doc[c0:c1]
    clause = doc_text(doc)[span.start_char : span.end_char].lower()  # Span.text, without joining its tokens
    if kind in ("percentage", "score", "duration"):
        for metric, regexes in _CLAUSE_RULES:
            if all(r.search(clause) for r in regexes):
                if kind == "duration" and metric not in ("aht", "wait_time", "response_time", "resolution_time"):
                    continue
                return metric
    if kind == "duration":
        cands = [t for t in _terms_in(terms, sent.start, sent.end) if t.metric in _TIME_METRICS]
        if cands:
            return min(cands, key=lambda t: abs(t.start - start)).metric
        # a duration goes on about the time the sentence before measured ('Op Facebook is het trager (5 uur)')
        prev = _previous_sentence(doc, start, same_paragraph=False)
        if prev is not None:
            cands = [t for t in _terms_in(terms, prev.start, prev.end) if t.metric in _TIME_METRICS]
            if cands:
                return cands[-1].metric
        return None
    if kind in ("percentage", "score"):
        # a term right before the value, with only linking words between: 'een churn van 5%'
        by_end = {t.end - 1: t for t in _terms_in(terms, c0, start)}
        j = start - 1
        while j >= c0 and j >= start - 6:
            for t in [by_end[j]] if j in by_end and not (kind == "percentage" and by_end[j].metric in _TIME_METRICS) else []:
                    if kind == "percentage" and t.metric in ("customer_satisfaction",) and doc[t.start].lower_ in (
                        "tevredenheid",
                        "cijfer",
                        "beoordeling",
                        "waardering",
                    ):
                        return None
                    return t.metric
            if token_lowers(doc)[j] not in _LINK_WORDS:
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
