"""Builds the spaCy pipeline once: ``spacy.blank("nl")`` plus rule components.

No trained Dutch model is available offline, so everything here is rules:

1. the tokenizer, taught to split ``71%`` and ``2020."De`` so numerals align
   with token boundaries (its suffix search linear in a word's length: ``_tail_search``);
2. ``cx_sentences``: sentence starts at line breaks and after . ! ? before a
   capital, a digit or a quote (spaCy's sentencizer would join a heading line
   with the paragraph below it);
3. ``cx_numerals``: every numeral found by ``pipeline.numbers`` becomes one
   token carrying ``token._.num`` (value) and ``token._.numform`` (also as
   ``NORM`` = ``num_<form>``, which the rule patterns match on); numerals
   that are not quantities (years, dates, list numbers, numbers in names,
   phone numbers) keep ``_.num = None`` and say why in ``_.numform``;
4. ``cx_long_sentences``: a sentence longer than ``MAX_SENTENCE_TOKENS`` (a table
   without full stops) is cut at clause or list boundaries, so every later stage's
   work per figure is bounded and extraction is linear in the text;
5. ``cx_kind_rules``: the kind rules of ``rules/<kind>.yaml`` as token
   patterns writing every candidate (with its rule id) to
   ``doc.spans["candidates"]``, exactly as spaCy's SpanRuler would, but only
   where a match can be (see ``KindRules``); overlaps are resolved later, in
   ``pipeline.candidates``.

Each document's numeral tokens are indexed once (``numeral_tokens``), and its
sentences once (``sent_of``), so later stages never scan every token for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy

import spacy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, NORM, ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher
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
    # the tokens' texts cut from the doc's text (no Token objects); a token's trailing
    # whitespace is one space or none, so a line break is always a token of its own
    texts = doc.user_data[_UNMERGED_KEY] = _cut_texts(doc)  # cx_numerals turns them into token_texts
    is_space = doc.to_array(IS_SPACE).tolist()
    for i in range(len(texts)):
        if i == 0:
            starts[i] = 1
            continue
        if is_space[i]:
            continue
        prev = texts[i - 1]
        if "\n" in prev:
            starts[i] = 1
        elif prev in enders or (prev in closers and i >= 2 and texts[i - 2] in enders):
            # a new sentence starts with a capital, a digit or an opening quote
            text = texts[i]
            first = text[:1]
            if (first.isupper() or first.isdigit() or first in "\"“‘'(•–-") and text not in closers:
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
    text = doc_text(doc)
    masked = [m.span() for m in _PHONE_RE.finditer(text)]
    list_items = {m.start(1) for m in _LIST_ITEM_RE.finditer(text)}
    found = []  # (first token, token count, numeral, why), in text order, before merging
    for n in find_numerals(text):
        span = doc.char_span(n.start, n.end)
        if span is None:  # inside a larger token: COVID-19, a URL, 18-10-2021
            continue
        why = "list" if n.start in list_items else _exclusion(text, n.start, n.end, n.value, n.form, masked)
        found.append((span.start, len(span), n, why))
    with doc.retokenize() as retok:
        for start, length, _n, _why in found:
            if length > 1:
                retok.merge(doc[start : start + length])
    unmerged = doc.user_data.pop(_UNMERGED_KEY, None)
    texts = [] if unmerged is not None else None
    index = []
    done = shift = 0  # unmerged tokens copied; tokens merged away before the current numeral
    for start, length, n, why in found:
        i = start - shift  # the numeral's token after merging
        if texts is not None and length > 1:
            texts.extend(unmerged[done:start])
            texts.append(text[n.start : n.end])
            done = start + length
        shift += length - 1
        tok = doc[i]
        index.append(i)
        form = why or n.form
        ext = tok._
        ext.numtext = n.text
        ext.numform = form
        ext.num = None if why else n.value
        ext.ratio_b = n.ratio_second
        # the form as NORM too: rules match on it natively ('num_digits'), much faster than '_' attributes
        tok.norm_ = f"num_{form}"
    doc.user_data[_NUMERALS_KEY] = index
    if texts is not None:
        # every token's text after the merges, from the texts cx_sentences cut (a merged
        # numeral's text is the span it covers): token_texts without cutting them again
        texts.extend(unmerged[done:])
        doc.user_data[_TEXTS_KEY] = texts
    return doc


# A sentence is never longer than this many tokens: a longer one (a PDF table without full
# stops, a list run together) is cut into pieces at clause or list boundaries, and every later
# stage sees the pieces as its sentences. Each figure's context (clause, sentence, the text a
# rule's `requires` searches, the record's `sentence`) is then bounded, so extraction costs
# time and memory linear in the text: uncut, a 324 KB one-sentence table of 12,000 figures ran
# for minutes and took 8 GB (every record carried the whole 'sentence'). Measured: the longest
# sentence of the seed and development articles is 73 tokens, so they are never cut.
MAX_SENTENCE_TOKENS = 150
MIN_PIECE_TOKENS = 20  # a cut leaves at least this many tokens before it
_STRONG_BREAKS = frozenset({";", "|", "•", "·", "▪"})  # a list's or a table's cells
_WEAK_BREAKS = frozenset({",", ":", "–", "—", "-"})  # a clause's


@Language.component("cx_long_sentences")
def cx_long_sentences(doc: Doc) -> Doc:
    """Cut every sentence longer than ``MAX_SENTENCE_TOKENS`` into pieces no longer than that.

    A piece ends after the last list or table break (``;``, ``|``, a bullet) in its window,
    else after the last clause break (``,``, ``:``, a dash), else before a word that neither
    follows nor is a numeral (a figure and its marker stay together). Runs after
    ``cx_numerals``, so a numeral is one token and never cut.
    """
    starts = doc.to_array(SENT_START).astype("int64")
    n = len(starts)
    if n <= MAX_SENTENCE_TOKENS:
        return doc
    bounds = numpy.flatnonzero(starts == 1).tolist() + [n]
    if not any(b - a > MAX_SENTENCE_TOKENS for a, b in zip(bounds, bounds[1:])):
        return doc
    texts = token_texts(doc)
    numeral = bytearray(n)
    for i in numeral_tokens(doc):
        numeral[i] = 1
    is_space = doc.to_array(IS_SPACE).tolist()
    for a, b in zip(bounds, bounds[1:]):
        pos = a
        while b - pos > MAX_SENTENCE_TOKENS:
            cut = _cut_point(texts, numeral, is_space, pos + MIN_PIECE_TOKENS, pos + MAX_SENTENCE_TOKENS)
            starts[cut] = 1
            pos = cut
    doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
    return doc


def _cut_point(texts: list[str], numeral: bytearray, is_space: list[bool], low: int, high: int) -> int:
    """Where a piece of an overlong sentence ends: the index of the next piece's first token,
    in (low, high] (see ``cx_long_sentences``), never a space."""
    for breaks in (_STRONG_BREAKS, _WEAK_BREAKS):
        for c in range(high, low, -1):
            if texts[c - 1] in breaks and not is_space[c]:
                return c
    for c in range(high, low, -1):
        if not numeral[c - 1] and not numeral[c] and not is_space[c] and texts[c][:1].isalpha():
            return c
    c = high
    while is_space[c] and c > low + 1:
        c -= 1
    return c


_NUMERALS_KEY = "cx_numerals"
_UNMERGED_KEY = "cx_unmerged_texts"  # the tokens' texts before cx_numerals merges numerals
_TEXTS_KEY = "cx_token_texts"


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per doc (``Doc.text`` joins every token anew on each call)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


_TEXT_KEY = "cx_text"


def numeral_tokens(doc: Doc) -> list[int]:
    """Indices of the doc's numeral tokens (quantities or not), in text order: the ones
    ``cx_numerals`` annotated, so nothing has to look at every token's ``_.num``."""
    return doc.user_data[_NUMERALS_KEY]


def quantity_tokens(doc: Doc) -> list[int]:
    """Indices of the numeral tokens that are quantities (``_.num`` set), in text order."""
    return [i for i in numeral_tokens(doc) if doc[i]._.num is not None]


def sentences(doc: Doc) -> list[Span]:
    """``list(doc.sents)``, built once per doc."""
    sents = doc.user_data.get("cx_sents")
    if sents is None:
        sents = doc.user_data["cx_sents"] = list(doc.sents)
    return sents


def _sent_owner(doc: Doc) -> list[int]:
    """For each token, the number of its sentence; built once per doc."""
    owner = doc.user_data.get("cx_sent_owner")
    if owner is None:
        owner = [0] * len(doc)
        for k, sent in enumerate(sentences(doc)):
            owner[sent.start : sent.end] = [k] * (sent.end - sent.start)
        doc.user_data["cx_sent_owner"] = owner
    return owner


def sent_of(doc: Doc, i: int) -> Span:
    """The sentence of token i, from an index built once per doc.

    ``Token.sent`` walks the sentence every call, which is quadratic on a long one.
    """
    return sentences(doc)[_sent_owner(doc)[i]]


def sentence_texts(doc: Doc) -> list[str]:
    """Each sentence's text (``Span.text``), cut from the doc's text once per doc rather than
    joined again from its tokens."""
    texts = doc.user_data.get("cx_sent_texts")
    if texts is None:
        text = doc_text(doc)
        texts = doc.user_data["cx_sent_texts"] = [text[s.start_char : s.end_char] for s in sentences(doc)]
    return texts


def sent_text(doc: Doc, i: int) -> str:
    """The text of token i's sentence."""
    return sentence_texts(doc)[_sent_owner(doc)[i]]


def _cut_texts(doc: Doc) -> list[str]:
    """Every token's ``text``, cut from the doc's text at its offset and length: the same
    strings, without making a Token object for each."""
    text = doc_text(doc)
    return [text[i : i + n] for i, n in doc.to_array([IDX, LENGTH]).tolist()]


def token_lowers(doc: Doc) -> list[str]:
    """Every token's ``lower_`` (its text lower-cased: the language's LOWER), read once per
    doc: the rules compare words by index, and a list lookup is much cheaper than making a
    Token object for each look."""
    lows = doc.user_data.get("cx_token_lowers")
    if lows is None:
        lows = doc.user_data["cx_token_lowers"] = [t.lower() for t in token_texts(doc)]
    return lows


def token_texts(doc: Doc) -> list[str]:
    """Every token's ``text``, read once per doc (see ``token_lowers``)."""
    texts = doc.user_data.get(_TEXTS_KEY)
    if texts is None:
        texts = doc.user_data[_TEXTS_KEY] = _cut_texts(doc)
    return texts


def sent_lowers(doc: Doc, sent: Span) -> list[str]:
    """Lower-cased tokens of a sentence (a slice of ``token_lowers``)."""
    return token_lowers(doc)[sent.start : sent.end]



def paragraph_numbers(doc: Doc) -> list[int]:
    """For each sentence (in order), the number of its paragraph: a line break between two
    sentences starts a new one. Built once per doc."""
    numbers = doc.user_data.get("cx_paragraphs")
    if numbers is None:
        text = doc_text(doc)
        numbers, n, prev_end = [], 0, None
        for sent in sentences(doc):
            if prev_end is not None and "\n" in text[prev_end : sent.start_char]:
                n += 1
            numbers.append(n)
            last = next((doc[j] for j in range(sent.end - 1, sent.start - 1, -1) if not doc[j].is_space), None)
            prev_end = last.idx + len(last.text) if last is not None else sent.end_char
        doc.user_data["cx_paragraphs"] = numbers
    return numbers


SUFFIX_WINDOW = 64  # characters: every suffix rule matches far fewer (a unit, a quote, '...')


def _tail_search(pattern: re.Pattern):
    """``pattern.search`` for the tokenizer's suffixes (anchored at the end), looking at the
    last ``SUFFIX_WINDOW`` characters of a long string first: the same match.

    Why: spaCy's tokenizer strips a word's affixes one at a time and searches the suffix
    rules over the whole remaining word each time, which is quadratic in a word's length:
    measured, 5,000 closing brackets in a row took 11 s, 10,000 took 59 s (text without
    spaces from a PDF, deep nesting). The search starts ``SUFFIX_WINDOW`` characters before
    the end (lookbehinds still see the characters before that); only a match that may reach
    further back (it starts near that point, as a run of dots does) is searched for again
    over the whole word. Tested equal to the plain search on long runs of punctuation.
    """
    search = pattern.search
    far = SUFFIX_WINDOW - 8

    def tail_search(string: str):
        n = len(string)
        if n > 2 * SUFFIX_WINDOW:
            found = search(string, n - SUFFIX_WINDOW)
            if found is None or found.start() > n - far:
                return found
        return search(string)

    return tail_search


def _tokenizer_rules(nlp: Language, tail_search: bool = True) -> None:
    """Our splits (``71%``, ``2020."De``); ``tail_search=False``: the suffixes searched the
    plain way (the reference the tests hold ``_tail_search`` to)."""
    suffixes = list(nlp.Defaults.suffixes) + [r"(?<=[0-9])%", r"(?<=[0-9])‰", r"(?<=[0-9])x", r"(?<=[0-9]),[-=–]{1,2}"]
    infixes = list(nlp.Defaults.infixes) + [
        r"(?<=[.!?])[\"“”‘’'](?=[A-Z“\"])",  # omzet."De -> omzet . " De
        r"(?<=[0-9a-z])[.!?](?=[\"“”‘’'][A-Z])",
        r"(?<=[a-z])\.(?=[A-Z][a-z])",  # omzet.Het
        r"(?<=[)\]\"”’])\.(?=[A-Z])",  # (53 procent).Bijna
        r"[)\]](?=\.[A-Z])",
    ]
    suffix_re = compile_suffix_regex(suffixes)
    nlp.tokenizer.suffix_search = _tail_search(suffix_re) if tail_search else suffix_re.search
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


def _numeral_slot(pattern: list[dict]) -> tuple[int, set[str]] | None:
    """The first token of a pattern that must be one numeral token (NORM ``num_*``, no OP)."""
    for k, tok in enumerate(pattern):
        if "OP" in tok:
            continue
        norm = tok.get("NORM")
        norms = {norm} if isinstance(norm, str) else set(norm.get("IN", ())) if isinstance(norm, dict) and set(norm) == {"IN"} else set()
        if norms and all(n.startswith("num_") for n in norms):
            return k, norms
    return None


# the token attributes a fixed pattern may test, as columns of ``Doc.to_array``
_FIXED_ATTRS = {"LOWER": 0, "NORM": 1, "TEXT": 2, "IS_PUNCT": 3, "IS_SENT_START": 4}
_FIXED_COLUMNS = [LOWER, NORM, ORTH, IS_PUNCT, SENT_START]


@dataclass
class _Fixed:
    """A pattern of fixed length (no ``OP``) with a numeral slot, tested directly at each
    numeral token its slot accepts: the same matches as spaCy's Matcher, without trying the
    pattern at every token. ``checks[j]``: (column, operator, value) tests of token j."""

    key: int
    slot: int  # index of the numeral slot in the pattern
    norms: frozenset[int]
    checks: list[list[tuple[int, str, object]]]

    @classmethod
    def compile(cls, vocab, key: int, pattern: list[dict]) -> _Fixed | None:
        """None when the pattern needs the Matcher: an operator, or a test this does not know."""
        slot = _numeral_slot(pattern)
        if slot is None or any("OP" in tok for tok in pattern):
            return None
        checks = [_token_tests(vocab, tok) for tok in pattern]
        if any(c is None for c in checks):
            return None
        return cls(key, slot[0], frozenset(vocab.strings.add(n) for n in slot[1]), checks)

    def probe(self) -> tuple[int, int, frozenset[int]] | None:
        """(offset from the slot, column, accepted values) of a neighbour's word test, the
        cheap first test that rules out most numerals: the next token's, else the one before."""
        for offset in (1, -1):
            j = self.slot + offset
            if 0 <= j < len(self.checks):
                for col, op, value in self.checks[j]:
                    if op == "eq" and col < 3:
                        return offset, col, frozenset({value})
                    if op == "IN":
                        return offset, col, value
        return None

    def match_at(self, cols: list[list[int]], q: int, strings) -> tuple[int, int, int] | None:
        """The match with its slot at numeral token q, if the pattern matches there."""
        start = q - self.slot
        if start < 0 or start + len(self.checks) > len(cols[0]):
            return None
        for j, tests in enumerate(self.checks):
            if not _passes(cols, start + j, tests, strings):
                return None
        return self.key, start, start + len(self.checks)


class _FixedIndex:
    """The fixed patterns by their slot's NORM and a neighbour's word, so that each numeral
    token is tried only against the patterns that can match there."""

    def __init__(self, patterns: list[_Fixed]) -> None:
        self.probes: dict[tuple[int, int], dict[int, list[_Fixed]]] = {}  # (offset, column) -> value -> patterns
        self.plain: list[_Fixed] = []  # no neighbour's word to test first
        for f in patterns:
            probe = f.probe()
            if probe is None:
                self.plain.append(f)
            else:
                offset, col, values = probe
                table = self.probes.setdefault((offset, col), {})
                for v in values:
                    table.setdefault(v, []).append(f)

    def matches(self, cols: list[list[int]], slots: list[tuple[int, int]], strings) -> list[tuple[int, int, int]]:
        out = []
        n = len(cols[0])
        for q, norm in slots:
            tried = [f for f in self.plain if norm in f.norms]
            for (offset, col), table in self.probes.items():
                if 0 <= q + offset < n:
                    tried += [f for f in table.get(cols[col][q + offset], ()) if norm in f.norms]
            for f in tried:
                found = f.match_at(cols, q, strings)
                if found is not None:
                    out.append(found)
        return out


def _token_tests(vocab, tok: dict) -> list[tuple[int, str, object]] | None:
    """One pattern token's tests as (column, operator, value), its ``OP`` aside; None when it
    uses an attribute or a test the direct matching does not know."""
    tests: list[tuple[int, str, object]] = []
    for attr, value in tok.items():
        if attr == "OP":
            continue
        col = _FIXED_ATTRS.get(attr)
        if col is None:
            return None
        if col >= 3:  # IS_PUNCT: the flag; IS_SENT_START: the Matcher reads sent_start == 1 as true
            if not isinstance(value, bool):
                return None
            tests.append((col, "start" if col == 4 else "eq", int(value)))
        elif isinstance(value, str):
            tests.append((col, "eq", vocab.strings.add(value)))
        elif isinstance(value, dict) and value and set(value) <= {"IN", "NOT_IN", "REGEX"}:
            for op, v in value.items():
                if op == "REGEX":
                    tests.append((col, "regex", re.compile(v)))
                else:
                    tests.append((col, op, frozenset(vocab.strings.add(w) for w in v)))
        else:
            return None
    return tests


_REPEATS = {"?": (0, 1), "*": (0, None), "+": (1, None), "1": (1, 1)}


def _repeats(op: str | None) -> tuple[int, int | None] | None:
    """How often a pattern token with this ``OP`` repeats: (least, most or None); None for '!'."""
    if op is None:
        return 1, 1
    if op in _REPEATS:
        return _REPEATS[op]
    m = re.fullmatch(r"\{(\d*)(,?)(\d*)\}", op)
    if not m or not (m.group(1) or m.group(3)):
        return None
    low = int(m.group(1) or 0)
    if not m.group(2):
        return low, low
    return low, int(m.group(3)) if m.group(3) else None


@dataclass
class _Repeating:
    """A pattern with a numeral slot and tokens that repeat ('*', '+', ...), matched around
    each numeral token q its slot accepts: the part before the slot and the part after it
    do not depend on each other, so the matches with the slot at q are every start the
    part before can reach backwards from q with every end the part after can reach
    forwards, each token repeating as often as its operator allows. The Matcher returns
    every match too (no greedy filter), so the spans are the same."""

    key: int
    norms: frozenset[int]
    slot_tests: list[tuple[int, str, object]]
    before: list[tuple[list, int, int | None]]  # the tokens before the slot, nearest first
    after: list[tuple[list, int, int | None]]

    @classmethod
    def compile(cls, vocab, key: int, pattern: list[dict]) -> _Repeating | None:
        slot = _numeral_slot(pattern)
        if slot is None:
            return None
        parts = []
        for tok in pattern:
            tests, reps = _token_tests(vocab, tok), _repeats(tok.get("OP"))
            if tests is None or reps is None:
                return None
            parts.append((tests, *reps))
        k = slot[0]
        return cls(key, frozenset(vocab.strings.add(n) for n in slot[1]), parts[k][0], parts[:k][::-1], parts[k + 1 :])

    def matches(self, cols: list[list[int]], slots: list[tuple[int, int]], strings) -> list[tuple[int, int, int]]:
        out = []
        for q, norm in slots:
            if norm not in self.norms or not _passes(cols, q, self.slot_tests, strings):
                continue
            ends = _reach_from(cols, q + 1, self.after, 1, strings)
            if ends:
                out += [(self.key, s, e) for s in _reach_from(cols, q, self.before, -1, strings) for e in ends]
        return out


def _reach_from(cols: list[list[int]], at: int, parts, step: int, strings) -> set[int]:
    """The boundaries a run of pattern tokens can reach from boundary ``at``: forwards
    (``step`` 1, token ``at`` first) or backwards (-1, token ``at - 1`` first)."""
    n, states = len(cols[0]), {at}
    for tests, low, high in parts:
        reached = set()
        for b in states:
            count = 0
            while True:
                if count >= low:
                    reached.add(b)
                if high is not None and count >= high:
                    break
                i = b if step > 0 else b - 1
                if 0 <= i < n and _passes(cols, i, tests, strings):
                    b += step
                    count += 1
                else:
                    break
        states = reached
        if not states:
            break
    return states


def _optional_variants(pattern: list[dict], most: int = 16) -> list[list[dict]]:
    """A pattern whose operators are all bounded ('?', '{n}', '{m,n}') as the fixed patterns it
    stands for (each such token repeated as many times as it may be): the Matcher returns
    every match of each, so the union is the same. Empty when it has an unbounded operator
    or '!', or more than ``most`` variants."""
    variants: list[list[dict]] = [[]]
    for tok in pattern:
        reps = _repeats(tok.get("OP"))
        if reps is None or reps[1] is None:
            return []
        bare = {k: v for k, v in tok.items() if k != "OP"}
        variants = [v + [bare] * k for k in range(reps[0], reps[1] + 1) for v in variants]
        if not variants or len(variants) > most:
            return []
    return variants


def _passes(cols: list[list[int]], i: int, tests: list[tuple[int, str, object]], strings) -> bool:
    for col, op, value in tests:
        v = cols[col][i]
        if op == "eq":
            ok = v == value
        elif op == "IN":
            ok = v in value
        elif op == "NOT_IN":
            ok = v not in value
        elif op == "start":
            ok = (v == 1) == bool(value)
        else:  # regex: searched in the attribute's string, as spaCy's REGEX predicate does
            ok = value.search(strings[v]) is not None
        if not ok:
            return False
    return True


class KindRules:
    """The kind rules as token patterns, matched only at the tokens that can anchor them.

    Same result as ``spacy.pipeline.SpanRuler`` with these patterns (``doc.spans[key]``:
    one span per distinct match, label = kind, id = rule id, sorted), at a fraction of
    the cost: every kind rule has a numeral slot (a token that must have NORM
    ``num_*``), so each is tried only at the numeral tokens its slot accepts instead of
    at every token. A pattern of fixed length is tested there directly, first against
    the neighbouring word it names (``_FixedIndex``); a pattern whose operators are
    bounded ('?', '{m,n}') is tested as the fixed patterns it stands for; one with
    repeating tokens ('*') is walked from its numeral both ways (``_Repeating``). A
    pattern these cannot read (no numeral slot, a '!', an attribute they do not know) is
    matched by spaCy's Matcher over the whole document; the current rules need none.
    """

    def __init__(self, vocab, patterns: list[dict], spans_key: str) -> None:
        self.key = spans_key
        self.labels: dict[int, tuple[str, str]] = {}
        self.whole = Matcher(vocab, validate=True)
        self.fixed: list[_Fixed] = []
        self.repeating: list[_Repeating] = []
        self.strings = vocab.strings
        validator = Matcher(vocab, validate=True)  # a pattern spaCy refuses fails here, as in the Matcher
        for entry in patterns:
            label, rule_id, pattern = entry["label"], entry.get("id", ""), entry["pattern"]
            key = repr((label, rule_id))
            key_id = vocab.strings.add(key)
            self.labels[key_id] = (label, rule_id)
            validator.add(key, [pattern])
            variants = [_Fixed.compile(vocab, key_id, v) for v in _optional_variants(pattern)]
            if variants and all(f is not None for f in variants):
                self.fixed += variants
                continue
            repeating = _Repeating.compile(vocab, key_id, pattern)
            if repeating is not None:
                self.repeating.append(repeating)
            else:
                self.whole.add(key, [pattern])
        self.fixed_index = _FixedIndex(self.fixed)
        self.norm_ids = numpy.array(sorted({n for f in [*self.fixed, *self.repeating] for n in f.norms}), dtype="uint64")

    def __call__(self, doc: Doc) -> Doc:
        found: set[tuple[int, int, int]] = set(self.whole(doc)) if len(self.whole) else set()
        if len(doc) and (self.fixed or self.repeating):
            arr = doc.to_array(_FIXED_COLUMNS)
            norms = arr[:, 1]
            cols = arr.T.tolist()
            slots = [(int(q), int(norms[q])) for q in numpy.flatnonzero(numpy.isin(norms, self.norm_ids))]
            found.update(self.fixed_index.matches(cols, slots, self.strings))
            for repeating in self.repeating:
                found.update(repeating.matches(cols, slots, self.strings))
        spans = {
            Span(doc, start, end, label=self.labels[key][0], span_id=self.labels[key][1])
            for key, start, end in found
            if start != end
        }
        doc.spans[self.key] = sorted(spans)
        return doc


@Language.factory("cx_kind_rules", default_config={"spans_key": CANDIDATES_KEY})
def make_kind_rules(nlp: Language, name: str, spans_key: str) -> KindRules:
    return KindRules(nlp.vocab, kind_patterns(), spans_key)


class _KeepingText:
    """The tokenizer, keeping the text it was given as the doc's text (``doc_text``): spaCy's
    tokenization is non-destructive, so it equals ``doc.text``, which would otherwise be
    joined again from every token (a tenth of an article's extraction time)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[_TEXT_KEY] = text
        return doc


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process."""
    nlp = spacy.blank("nl")
    # spaCy refuses texts over 1,000,000 characters (E088) for the memory its parser and NER
    # need; this pipeline has neither and is linear in the text (1.1 MB: 9 s, 270 MB). The
    # limit on an article's length is the flow's (``max_chars``, ``too_long``), not spaCy's.
    nlp.max_length = 10**9
    _tokenizer_rules(nlp)
    nlp.tokenizer = _KeepingText(nlp.tokenizer)
    nlp.add_pipe("cx_sentences")
    nlp.add_pipe("cx_numerals")
    nlp.add_pipe("cx_long_sentences")
    nlp.add_pipe("cx_kind_rules")
    return nlp


def span_ruler_candidates(doc: Doc) -> list[Span]:
    """The kind rules' matches as spaCy's own SpanRuler finds them over the whole doc: the
    reference ``cx_kind_rules`` must equal (tests)."""
    ruler = spacy.blank("nl").add_pipe("span_ruler", config={"spans_key": None, "validate": True})
    ruler.add_patterns(kind_patterns())
    return ruler.match(doc)


CLAUSE_BREAKS = {",", ";", ":", "–", "—", "-", "?", "!"}
MAX_CLAUSE = 60  # tokens each way: a clause is never longer; keeps run-on 'sentences' linear


def clause_bounds(sent: Span, i: int) -> tuple[int, int]:
    """Token range [start, end) of the clause around token i (split at , ; : and dashes)."""
    texts = token_texts(sent.doc)
    floor, ceil = max(sent.start, i - MAX_CLAUSE), min(sent.end, i + MAX_CLAUSE)
    start = i
    while start > floor and texts[start - 1] not in CLAUSE_BREAKS:
        start -= 1
    end = i + 1
    while end < ceil and texts[end] not in CLAUSE_BREAKS:
        end += 1
    return start, end
