"""Builds the spaCy pipeline once: ``spacy.blank("nl")`` plus rule components.

No trained Dutch model is available offline, so everything here is rules:

1. the tokenizer, taught to split ``71%`` and ``2020."De`` so numerals align
   with token boundaries;
2. ``cx_sentences``: sentence starts at line breaks and after . ! ? before a
   capital, a digit or a quote (spaCy's sentencizer would join a heading line
   with the paragraph below it);
3. ``cx_numerals``: every numeral found by ``pipeline.numbers`` becomes one
   token carrying ``token._.num`` (value) and ``token._.numform`` (also as
   ``NORM`` = ``num_<form>``, which the rule patterns match on); numerals
   that are not quantities (years, dates, list numbers, numbers in names,
   phone numbers) keep ``_.num = None`` and say why in ``_.numform``;
4. ``span_ruler``: the kind rules of ``rules/<kind>.yaml`` as a SpanRuler
   writing every candidate (with its rule id) to ``doc.spans["candidates"]``;
   overlaps are resolved later, in ``pipeline.candidates``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy

import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import compile_infix_regex, compile_suffix_regex

from pipeline.numbers import POPULATION_REGEX, find_numerals, is_population
from pipeline.rules import load_rules

from schemas.records import KINDS as KIND_FILES  # one rule file per kind of the schema: rules/<kind>.yaml
CANDIDATES_KEY = "candidates"

EXCLUDE = load_rules("exclusions").tables

for _name, _default in (("num", None), ("numform", None), ("numtext", None), ("ratio_b", None)):
    if not Token.has_extension(_name):
        Token.set_extension(_name, default=_default)
# a group of people or things, also as the end of a compound ('bankklanten', 'zorgverzekeraars'):
# rules write it as {"_": {"population": true}}; kind_patterns() turns that into a LOWER regex
# (the matcher reads every extension attribute of every token up front, a regex only where needed)
if not Token.has_extension("population"):
    Token.set_extension("population", getter=lambda t: (t.is_alpha or "-" in t.text) and is_population(t.text))

_MONTHS = set(EXCLUDE["months"])
_NAME_PREFIXES = set(EXCLUDE["name_prefixes"])
_PHONE_RE = re.compile(EXCLUDE["phone_regex"])
_POSTCODE_AFTER = re.compile(r"[ \u00a0]?[A-Z]{2}\b")
_LIST_ITEM_RE = re.compile(r"(?m)^[ \t\u00a0]*(\d{1,2})[.)][ \t]")


@Language.component("cx_sentences")
def cx_sentences(doc: Doc) -> Doc:
    """Sentence starts at line breaks and after sentence punctuation.

    Set in one ``from_array`` call: assigning ``Token.is_sent_start`` one token
    at a time re-checks the whole doc each time (quadratic on long texts).
    """
    closers = {'"', "”", "’", "'", ")", "»"}
    enders = {".", "!", "?", "…", "..", "..."}
    starts = numpy.full(len(doc), -1, dtype="int32")  # -1: not a start, 1: a start
    for i, tok in enumerate(doc):
        if i == 0:
            starts[i] = 1
            continue
        prev = doc[i - 1]
        if tok.is_space:
            continue
        if "\n" in prev.text or "\n" in prev.whitespace_:
            starts[i] = 1
        elif prev.text in enders or (prev.text in closers and i >= 2 and doc[i - 2].text in enders):
            # a new sentence starts with a capital, a digit or an opening quote
            first = tok.text[:1]
            if (first.isupper() or first.isdigit() or first in "\"“‘'(•–-") and tok.text not in closers:
                starts[i] = 1
    if len(doc):
        # spaCy stores -1 (not a start) wrapped in a uint64 array
        doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
    return doc


def _exclusion(text: str, start: int, end: int, value: float, form: str, masked: list[tuple[int, int]]) -> str | None:
    """Why a numeral is not a quantity, or None when it may be one."""
    if any(s < end and start < e for s, e in masked):
        return "phone"
    if form == "digits" and re.fullmatch(r"\d{4}", text[start:end]) and 1900 <= value <= 2100:
        return "year"
    if form == "digits" and re.fullmatch(r"[1-9]\d{3}", text[start:end]) and _POSTCODE_AFTER.match(text, end):
        return "postcode"  # 1000 AB Amsterdam
    after_words = text[end : end + 20].split(maxsplit=1)
    after = after_words[0].lower().strip(".,;:)") if after_words else ""
    if form in ("digits", "word") and after in _MONTHS:
        return "date"
    before_words = text[max(0, start - 30) : start].split()
    before = before_words[-1].lower().strip("(:") if before_words else ""
    if before in _NAME_PREFIXES:
        return "name"
    # 'nummer 6 en 7', 'nummer 1 tot en met 5'
    if len(before_words) >= 3 and before in ("en", "of", "t/m", "met", "tot") and any(
        w.lower() in _NAME_PREFIXES for w in before_words[-5:-1]
    ):
        return "name"
    return None


@Language.component("cx_numerals")
def cx_numerals(doc: Doc) -> Doc:
    """Merge each numeral into one token and annotate its value and form."""
    text = doc.text
    masked = [m.span() for m in _PHONE_RE.finditer(text)]
    list_items = {m.start(1) for m in _LIST_ITEM_RE.finditer(text)}
    spans = []
    for n in find_numerals(text):
        span = doc.char_span(n.start, n.end)
        if span is None:  # inside a larger token: COVID-19, a URL, 18-10-2021
            continue
        why = "list" if n.start in list_items else _exclusion(text, n.start, n.end, n.value, n.form, masked)
        spans.append((span, n, why))
    with doc.retokenize() as retok:
        for span, _n, _why in spans:
            if len(span) > 1:
                retok.merge(span)
    for span, n, why in spans:
        tok = doc.char_span(n.start, n.end)[0]
        tok._.numtext = n.text
        tok._.numform = why or n.form
        tok._.num = None if why else n.value
        tok._.ratio_b = n.ratio_second
        # the form as NORM too: rules match on it natively ('num_digits'), much faster than '_' attributes
        tok.norm_ = f"num_{tok._.numform}"
    return doc


def sent_of(doc: Doc, i: int) -> Span:
    """The sentence of token i, from an index built once per doc.

    ``Token.sent`` walks the sentence every call, which is quadratic on a long one.
    """
    index = doc.user_data.get("cx_sent_index")
    if index is None:
        sents = list(doc.sents)
        owner = [0] * len(doc)
        for k, sent in enumerate(sents):
            for j in range(sent.start, sent.end):
                owner[j] = k
        index = doc.user_data["cx_sent_index"] = (sents, owner)
    sents, owner = index
    return sents[owner[i]]


def sent_text(doc: Doc, i: int) -> str:
    """The text of token i's sentence, built once per sentence."""
    cache = doc.user_data.setdefault("cx_sent_text", {})
    sent = sent_of(doc, i)
    if sent.start not in cache:
        cache[sent.start] = sent.text
    return cache[sent.start]


def sent_lowers(doc: Doc, sent: Span) -> list[str]:
    """Lower-cased tokens of a sentence, computed once per sentence (the year
    rules look up dozens of phrases in every sentence)."""
    key = ("cx_lowers", sent.start, sent.end)
    lows = doc.user_data.get(key)
    if lows is None:
        lows = doc.user_data[key] = [t.lower_ for t in sent]
    return lows



def paragraph_numbers(doc: Doc) -> list[int]:
    """For each sentence (in order), the number of its paragraph: a line break between two
    sentences starts a new one. Built once per doc."""
    numbers = doc.user_data.get("cx_paragraphs")
    if numbers is None:
        text = doc.text
        numbers, n, prev_end = [], 0, None
        for sent in doc.sents:
            if prev_end is not None and "\n" in text[prev_end : sent.start_char]:
                n += 1
            numbers.append(n)
            words = [t for t in sent if not t.is_space]
            prev_end = words[-1].idx + len(words[-1].text) if words else sent.end_char
        doc.user_data["cx_paragraphs"] = numbers
    return numbers


def _tokenizer_rules(nlp: Language) -> None:
    suffixes = list(nlp.Defaults.suffixes) + [r"(?<=[0-9])%", r"(?<=[0-9])‰", r"(?<=[0-9])x", r"(?<=[0-9]),[-=–]{1,2}"]
    infixes = list(nlp.Defaults.infixes) + [
        r"(?<=[.!?])[\"“”‘’'](?=[A-Z“\"])",  # omzet."De -> omzet . " De
        r"(?<=[0-9a-z])[.!?](?=[\"“”‘’'][A-Z])",
        r"(?<=[a-z])\.(?=[A-Z][a-z])",  # omzet.Het
        r"(?<=[)\]\"”’])\.(?=[A-Z])",  # (53 procent).Bijna
        r"[)\]](?=\.[A-Z])",
    ]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def kind_patterns() -> list[dict]:
    """SpanRuler patterns from every kind rule file, label = kind, id = rule id."""
    patterns = []
    for name in KIND_FILES:
        for rule in load_rules(name).rules:
            if isinstance(rule.pattern, str):
                continue
            pattern = [_native(tok) for tok in rule.pattern]
            patterns.append({"label": rule.kind or name, "pattern": pattern, "id": rule.id})
    return patterns


def _native(tok: dict) -> dict:
    """{"_": {"population": true}} -> the same test as a LOWER regex."""
    ext = tok.get("_")
    if not ext or set(ext) != {"population"} or ext["population"] is not True:
        return tok
    out = {k: v for k, v in tok.items() if k != "_"}
    out["LOWER"] = {"REGEX": POPULATION_REGEX}
    return out


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process."""
    nlp = spacy.blank("nl")
    _tokenizer_rules(nlp)
    nlp.add_pipe("cx_sentences")
    nlp.add_pipe("cx_numerals")
    ruler = nlp.add_pipe(
        "span_ruler",
        config={"spans_key": CANDIDATES_KEY, "validate": True, "overwrite": False},
    )
    ruler.add_patterns(kind_patterns())
    return nlp
