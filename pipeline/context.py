"""Context of a mention: qualifier, metric, subject, year and source.

Pure functions over a parsed Doc; every word list lives in a rule file
(qualifiers, metrics, years, sources). Where Dutch needs more than a table
(which clause a year belongs to, which earlier sentence's source still
holds), the logic is here, in small named steps.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import dateparser
from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.nlp import get_nlp, sent_of, sent_text
from pipeline.rules import load_rules

QUAL = load_rules("qualifiers").tables
METRICS = load_rules("metrics").tables
YEARS = load_rules("years").tables
SOURCES = load_rules("sources").tables

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
_QUAL_SKIP = set(QUAL["skip"])
_QUAL_LOOKBACK = 12  # tokens: emphasis words plus the longest phrase


def qualifier_for(doc: Doc, start: int, end: int) -> str | None:
    """The bound the text puts on the value: 'bijna 9,8 keer' -> almost."""
    # 'de helft' carries its article inside the mention; emphasis words may stand between,
    # or be part of the phrase itself ('tot wel 30 procent', 'een kleine 40 procent')
    lo = max(0, start - _QUAL_LOOKBACK)
    lows = [t.lower_ for t in doc[lo:start]]
    ends = [len(lows)]  # candidate phrase ends, as indices into lows
    while ends[-1] > 0 and lows[ends[-1] - 1] in _QUAL_SKIP and lows[ends[-1] - 1] not in ("meer", "minder"):
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
    return any(lw in _GRADE_VERBS for lw in _sentence_lowers(doc, sent))


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


# --------------------------------------------------------------------------- years


@dataclass
class YearExpr:
    token: int  # first token of the expression
    year: int
    role: str  # point | base


@dataclass
class Frame:
    point: int | None = None
    base: int | None = None
    explicit: bool = False


def _sentence_lowers(doc: Doc, sent: Span) -> list[str]:
    """Lower-cased tokens of a sentence, computed once per sentence (the year
    rules look up dozens of phrases in every sentence)."""
    key = ("cx_lowers", sent.start, sent.end)
    lows = doc.user_data.get(key)
    if lows is None:
        lows = doc.user_data[key] = [t.lower_ for t in sent]
    return lows


def _phrase_positions(doc: Doc, sent: Span, phrase: str) -> list[int]:
    words = phrase.split()
    n = len(words)
    lows = _sentence_lowers(doc, sent)
    first = words[0]
    return [
        sent.start + k
        for k in range(len(lows) - n + 1)
        if lows[k] == first and lows[k : k + n] == words
    ]


@lru_cache(maxsize=256)
def _resolve_relative(phrase: str, ref_year: int) -> int | None:
    """'vorig jaar' against the reference year, with dateparser; the table's offset where it has no reading."""
    parsed = dateparser.parse(phrase, languages=["nl"], settings={"RELATIVE_BASE": datetime(ref_year, 7, 1)})
    if parsed is not None:
        return parsed.year
    offset = YEARS["relative"].get(phrase)
    return None if offset is None else ref_year + offset


def _is_base(doc: Doc, i: int, sent: Span) -> bool:
    for marker in YEARS["base_markers"]:
        words = marker.split()
        n = len(words)
        for back in (0, 1):  # 'sinds 2020', 'vergeleken met het jaar 2020'
            s = i - n - back
            if s >= sent.start and [t.lower_ for t in doc[s : s + n]] == words:
                return True
    return False


def year_expressions(
    doc: Doc, sent: Span, ref_year: int | None, masked: tuple[int, int] | None, prev_point: int | None = None
) -> list[YearExpr]:
    """Year expressions of a sentence. ``prev_point``: the year the sentence before (same
    paragraph) was about, which 'een jaar later' / 'het jaar daarvoor' count from when
    the sentence itself names no year."""
    out: list[YearExpr] = []
    for tok in sent:
        if tok._.numform == "year":
            if masked and masked[0] <= tok.idx < masked[1]:
                continue
            out.append(YearExpr(tok.i, int(tok.text), "base" if _is_base(doc, tok.i, sent) else "point"))
    if ref_year is not None:
        for phrase in YEARS["relative"]:
            for pos in _phrase_positions(doc, sent, phrase):
                # 'het vorige jaar' after an explicit year is handled below
                y = _resolve_relative(phrase, ref_year)
                if y is not None:
                    out.append(YearExpr(pos, y, "base" if _is_base(doc, pos, sent) else "point"))
    for table, step in (("previous_of_explicit", -1), ("next_of_explicit", 1)):
        for phrase in YEARS[table]:
            for pos in _phrase_positions(doc, sent, phrase):
                earlier = [e.year for e in out if e.token < pos and doc[e.token]._.numform == "year"]
                anchor = earlier[-1] if earlier else prev_point
                if anchor is not None:
                    out = [e for e in out if not (pos <= e.token < pos + len(phrase.split()))]
                    out.append(YearExpr(pos, anchor + step, "base" if _is_base(doc, pos, sent) else "point"))
    return sorted(out, key=lambda e: e.token)


def _has_year_on_year(doc: Doc, sent: Span) -> bool:
    return any(_phrase_positions(doc, sent, p) for p in YEARS["year_on_year"])


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
    while i > floor and doc[i - 1].lower_ in _QUAL_SKIP | {"gemiddeld", "een", "bijna", "ruim", "circa", "ongeveer"}:
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
    default_year: int | None,
    masked: tuple[int, int] | None,
) -> dict[int, int | None]:
    """Year of each figure (keyed by its first token)."""
    by_sent: dict[int, list[tuple[int, int]]] = {}
    for f in figures:
        by_sent.setdefault(sent_of(doc, f[0]).start, []).append(f)
    years: dict[int, int | None] = {}
    prev_frame: Frame | None = None
    prev_end_char = -1
    text = doc.text  # Doc.text joins every token: build it once
    for sent in doc.sents:
        same_paragraph = prev_end_char >= 0 and "\n" not in text[prev_end_char : sent.start_char]
        carry = prev_frame if (same_paragraph and prev_frame and prev_frame.explicit) else None
        exprs = year_expressions(doc, sent, ref_year, masked, carry.point if carry else None)
        yoy = _has_year_on_year(doc, sent)
        frame = sentence_frame(exprs, yoy, ref_year)
        sent_figs = by_sent.get(sent.start, [])
        roles = change_roles(doc, sent, sent_figs)
        starts = [f[0] for f in sent_figs]
        for s, e in sent_figs:
            years[s] = _year_of(sent, s, e, starts, exprs, frame, roles.get(s), carry, ref_year, default_year)
        prev_frame = frame
        words = [t for t in sent if not t.is_space]
        prev_end_char = words[-1].idx + len(words[-1].text) if words else sent.end_char
    return years


def _nearest(exprs: list[YearExpr], s: int, e: int, figure_starts: list[int]) -> YearExpr:
    """The year expression that belongs to the figure at [s, e): one with no other figure
    between them first, then the nearest, then the one after ('vijf procent in 2021')."""

    def key(x: YearExpr):
        lo, hi = sorted((x.token, s))
        crossed = any(lo < f < hi for f in figure_starts if f != s)
        distance = x.token - e if x.token >= e else s - x.token
        return (crossed, distance, x.token < s)

    return min(exprs, key=key)


def _year_of(sent, s, e, figure_starts, exprs, frame, role, carry, ref_year, default_year):  # noqa: PLR0911 - a decision list
    """The year of one figure; each step is a reading of Dutch, most specific first."""
    if frame.base is not None and role == "from":
        return frame.base
    if frame.base is not None and role == "to":
        return frame.point
    c0, c1 = clause_bounds(sent, s)
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
        return frame.point  # 'vergeleken met 2021 ... twee derde': now
    if carry is not None:
        if role == "from" and carry.base is not None:
            return carry.base
        return carry.point
    return default_year


def reference_year(published_year: int | None, title_year: int | None, doc: Doc, masked) -> int | None:
    """The 'now' of an article: its own date, else the latest year it speaks of.

    An undated article that compares with a year ('vergeleken met 2021') is
    written after it.
    """
    if published_year:
        return published_year
    best = title_year
    for sent in doc.sents:
        for x in year_expressions(doc, sent, None, masked):
            y = x.year + 1 if x.role == "base" and doc[x.token - 1].lower_ in ("met", "t.o.v.") else x.year
            if best is None or y > best:
                best = y
    return best


# --------------------------------------------------------------------------- sources

_NAME_WORD = r"(?:[A-Z][\w&'’.\-]*[\w&.]|[A-Z])"
_CONNECT = r"(?:van|voor|de|der|den|het|and|&|of)"
# names never span lines: [ \t] rather than \s between their words
ORG = rf"{_NAME_WORD}(?:[ \t]+(?:{_CONNECT}[ \t]+){{0,2}}{_NAME_WORD}){{0,5}}"
PERSON = r"[A-Z][\w'’\-]+(?:[ \t]+(?:(?:van der|van den|van|de|der|den|ter|ten)[ \t]+)?[A-Z][\w'’\-]+){0,3}"


def _alt(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_CUES = _alt(SOURCES["cue_nouns"])
_DESCRIPTORS = _alt(SOURCES["org_descriptors"])
_RESEARCH_VERBS = _alt(SOURCES["research_verbs"])
_SPEECH = _alt(SOURCES["speech_verbs"])
_POLL = _alt(SOURCES["poll_words"])
_NOT_ORG = set(SOURCES["not_organizations"])
_ABBREV = set(SOURCES["abbreviations"])
_ORG_WORDS = set(SOURCES["org_words"])
_DESCRIPTOR_SET = {w.lower() for w in SOURCES["org_descriptors"]}

_PEOPLE_CUES = {w.lower() for w in SOURCES["people_cues"]}
_ROLE_CUES = {w.lower() for w in SOURCES["role_cues"]}
# 'het onderzoeksbureau', 'de', 'onderzoeksbureau': words before a name that say it is an organization
_ARTICLE_OR_DESCRIPTOR = rf"(?:(?i:de|het)\s+(?:(?i:{_DESCRIPTORS})\s+)?|(?i:{_DESCRIPTORS})\s+)"
_RE_VAN_ORG = re.compile(rf"\s(?:van|door|(?i:in samenwerking met))\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
_RE_CUE = re.compile(rf"(?i:\b(?:{_CUES}|{_alt(SOURCES['people_cues'] + SOURCES['role_cues'])}))\b")
_RE_REPORT_LIKE = re.compile(rf"(?i:(?:{_alt(SOURCES['report_nouns'])})(?:\s+\d{{4}})?)$")
_RE_HYPHEN = re.compile(rf"\b(?P<org>[A-Z][\w&]*)-(?i:{_CUES})\b")
_RE_SUBJECT = re.compile(
    rf"{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})(?:\s*,\s*{ORG})*(?:\s+(?:en|samen met|in samenwerking met)\s+{ORG})?(?:\s+[\w'’]+){{0,8}}?\s+(?i:{_RESEARCH_VERBS})\b"
)
_RE_POLL = re.compile(rf"(?i:\b(?:{_POLL}))\b[^.?!]{{0,60}}?\bvia\s+(?P<org>{ORG})")
# 'volgens het CBS', 'Dat meldt onderzoeksbureau GfK': an article or a descriptor says the name is an organization
_RE_ATTRIBUTION_ORG = re.compile(
    rf"\b(?i:{_alt(SOURCES['org_attribution_verbs'])})\s+{_ARTICLE_OR_DESCRIPTOR}(?P<org>{ORG})"
)
_RE_BRON = re.compile(rf"\b(?i:bron)\s*:\s*(?P<org>{ORG})")
_RE_SPEECH_BIJ = re.compile(
    rf"\b(?i:{_SPEECH})\s+(?P<person>{PERSON})\s*,\s*(?P<role>[^.;\"“”]{{0,100}}?)\s+bij\s+(?P<org>{ORG})"
)
_RE_SPEECH_VAN = re.compile(
    rf"\b(?i:{_SPEECH})\s+(?P<person>{PERSON})\s*,\s*(?P<role>[^.;\"“”]{{0,100}}?)\s+van\s+(?P<org>{ORG})"
)
_ORG_ATTRIBUTION = {w.lower() for w in SOURCES["org_attribution_verbs"]}
_RE_SPEECH = re.compile(rf"\b(?i:{_alt(SOURCES['speech_verbs'] + SOURCES['org_attribution_verbs'])})\s+(?P<person>{PERSON})")
_RE_PERSON_DASH = re.compile(rf"(?P<person>{PERSON})\s+[-–]\s+(?P<role>[A-Za-z][^\n]{{0,60}}?)\s+(?P<org>{ORG})\s*$", re.M)
_RE_REPORT = re.compile(
    r"(?P<report>(?:[A-Z][\w\-]*\s+){1,8}(?:Report|Rapport|Monitor|Benchmark|Barometer|Index|Survey|Study|Studie|Onderzoek|Trendonderzoek)(?:\s+\d{4})?)"
)
_RE_BACKWARD = re.compile(r"^\W*(?:Dat|Dit|Zo|Het)\s+(?:blijkt|bleek|komt|staat|meldt|melden|concludeert|stelt|schrijft)\b")


@dataclass
class SourceRef:
    organization: str | None
    report: str | None = None
    person: str | None = None

    def as_dict(self) -> dict:
        return {"organization": self.organization, "report": self.report, "person": self.person}


def _generic(word: str, lower_words: set[str]) -> bool:
    return word.lower() in STOP_WORDS or word in _NOT_ORG or word.lower() in lower_words


def clean_org(name: str, lower_words: set[str], initial: bool = True) -> str | None:
    """Trim an organization name; None when it is not one (a common word, an acronym of a KPI).

    ``initial``: the name stands at the start of the sentence, where a capital says
    nothing ('Klanten van Zendesk'), so leading common words are dropped. After
    'van', 'volgens' and the like every capitalised word belongs to the name
    ('van Customer Talk'), unless all of them are common words.
    """
    words = name.split()
    while words and words[0].lower() in _DESCRIPTOR_SET:  # 'Onderzoeksbureau Motivaction'
        words = words[1:]
    for k, w in enumerate(words):  # a name ends where a sentence ends: 'NTT Ltd.. CX-strategie'
        if w.endswith(".") and (w.endswith("..") or w not in _ABBREV) and k < len(words) - 1:
            words = words[: k + 1]
            break
    if initial or all(_generic(w, lower_words) for w in words):
        while words and _generic(words[0], lower_words):
            words = words[1:]
    else:
        while words and words[0].lower() in STOP_WORDS:
            words = words[1:]
    while words and words[-1].lower() in STOP_WORDS:
        words = words[:-1]
    if not words:
        return None
    last = words[-1]
    if last not in _ABBREV:
        stripped = last.rstrip(".")
        if stripped + "." in _ABBREV:
            stripped += "."
        words[-1] = stripped
    out = " ".join(words).strip(" -")
    if not out or out in _NOT_ORG or out.lower() in lower_words:
        return None
    if re.fullmatch(r"[A-Z]{1,5}-[a-zà-ÿ].*", out):  # CX-volwassenheid, CX-strategie: common nouns
        return None
    if _RE_REPORT_LIKE.search(out):  # 'Benchmarking Report' is a report, not who made it
        return None
    return out


@dataclass
class SourceTracker:
    """Finds each sentence's source and carries it to the figures that follow."""

    lower_words: set[str]
    people: dict[str, str] = field(default_factory=dict)  # person (full or last name) -> employer

    @classmethod
    def for_text(cls, text: str) -> SourceTracker:
        no_urls = re.sub(r"\S+\.(?:nl|com|io|org|net|be|eu)\S*|https?://\S+|www\.\S+", " ", text)
        lower_words = {w for w in re.findall(r"\b[a-zà-ÿ][\w\-]+\b", no_urls)}
        tracker = cls(lower_words=lower_words)
        for rx in (_RE_SPEECH_BIJ, _RE_SPEECH_VAN, _RE_PERSON_DASH):
            for m in rx.finditer(text):
                org = clean_org(m.group("org"), lower_words)
                person = m.group("person").strip()
                if org:
                    tracker.people.setdefault(person, org)
                    tracker.people.setdefault(person.split()[-1], org)
        return tracker

    def _org(self, m: re.Match) -> str | None:
        initial = not m.string[: m.start("org")].strip(" \t\"“‘'(")
        return clean_org(m.group("org"), self.lower_words, initial=initial)

    def _cue_van(self, sentence: str) -> SourceRef | None:
        """'onderzoek van X', 'het rapport <titel> van de X', 'de cijfers van X': a cue noun
        within the same phrase before 'van'/'door' and an organization after it.
        After a cue for people ('onderzoeker Peter Jansen van TNO') the name is the person."""
        for m in _RE_VAN_ORG.finditer(sentence):
            window = sentence[max(0, m.start() - 90) : m.start()]
            window = re.split(r"[.,;:!?\"“”]", window)[-1]
            cue = None
            for cue in _RE_CUE.finditer(window):
                pass
            if cue is None:
                continue
            org = self._org(m)
            if org:
                title = re.sub(r"^(?:de|het|een)\s+", "", window[cue.end() :].strip(" ()"))
                named = title if title[:1].isupper() else None
                cue_word = cue.group(0).lower()
                if cue_word in _PEOPLE_CUES or cue_word in _ROLE_CUES:
                    person = named if named and re.fullmatch(PERSON, named) else None
                    if person is None and cue_word in _ROLE_CUES:
                        continue
                    return SourceRef(org, person=person)
                return SourceRef(org, report=named)
        return None

    def sentence_source(self, sentence: str) -> SourceRef | None:
        report = None
        rm = _RE_REPORT.search(sentence)
        if rm:
            report = rm.group("report").strip()
        found = self._cue_van(sentence)
        if found:
            return SourceRef(found.organization, report=report or found.report, person=found.person)
        for rx in (_RE_SUBJECT, _RE_HYPHEN, _RE_ATTRIBUTION_ORG, _RE_POLL, _RE_BRON):
            for m in rx.finditer(sentence):
                org = self._org(m)
                if org:
                    return SourceRef(org, report=report)
        for rx in (_RE_SPEECH_BIJ, _RE_SPEECH_VAN):
            m = rx.search(sentence)
            if m:
                org = self._org(m)
                if org:
                    return SourceRef(org, report=report, person=m.group("person").strip())
        for m in _RE_SPEECH.finditer(sentence):
            person = m.group("person").strip()
            employer = self.people.get(person) or self.people.get(person.split()[-1])
            if employer:
                return SourceRef(employer, report=report, person=person)
            looks_like_org = " " not in person or any(w in _ORG_WORDS for w in person.split())
            if m.group(0).lower().split()[0] in _ORG_ATTRIBUTION and looks_like_org:
                whole = re.match(ORG, sentence[m.start("person") :])  # 'Thuiswinkel.org', not 'Thuiswinkel'
                org = clean_org(whole.group(0) if whole else person, self.lower_words, initial=False)
                if org:
                    return SourceRef(org, report=report)
        return None

    def assign(self, doc: Doc, figures: list[tuple[int, int]]) -> dict[int, SourceRef | None]:
        """Source of each figure (keyed by its first token)."""
        sents = list(doc.sents)
        own = [self.sentence_source(s.text) for s in sents]
        # 'Dat blijkt uit onderzoek van X.' names the source of the sentence before it
        for k in range(1, len(sents)):
            if own[k] and own[k - 1] is None and _RE_BACKWARD.search(sents[k].text):
                own[k - 1] = own[k]
        first = next((s for s in own if s), None)
        sent_index = {s.start: k for k, s in enumerate(sents)}
        carried: list[SourceRef | None] = []
        current = None
        for s in own:
            current = s or current
            carried.append(current)
        out: dict[int, SourceRef | None] = {}
        for s, _e in figures:
            k = sent_index[sent_of(doc, s).start]
            out[s] = carried[k] or first
        return out


def title_year(doc: Doc, title_span: tuple[int, int] | None, masked: tuple[int, int] | None = None) -> int | None:
    """A year in the title ('De laatste ontwikkelingen in klantinteractie 2018'), not in a dateline."""
    if not title_span:
        return None
    years = [
        int(t.text)
        for t in doc
        if t._.numform == "year"
        and title_span[0] <= t.idx < title_span[1]
        and not (masked and masked[0] <= t.idx < masked[1])
    ]
    return years[-1] if years else None

