"""The shortcuts of pipeline.nlp give what the slow, obvious way gives.

``cx_kind_rules`` matches the kind rules only around numeral tokens; it must find
exactly the spans spaCy's SpanRuler finds over the whole document. ``sentences``,
``numeral_tokens`` and ``quantity_tokens`` are indexes built once per doc; they
must equal a scan of every token.
"""

from __future__ import annotations

import pytest

from pipeline.nlp import (
    CANDIDATES_KEY,
    get_nlp,
    numeral_tokens,
    quantity_tokens,
    sentences,
    span_ruler_candidates,
    token_lowers,
    token_texts,
)
from pipeline.rules import load_rules
from schemas.records import KINDS
from tests.conftest import CORPUS

TEXTS = [
    # unbounded qualifier runs between the cue and the number: the window must reach over them
    "De omzet groeide met ruim bijna ongeveer zo'n wel zeker 12 procent.",
    "Er was een stijging van maar liefst slechts ruim bijna 8 procent in 2023.",
    "Het aantal klachten is met ruim bijna circa ongeveer 300 toegenomen.",
    # a match that starts twelve tokens before its last numeral
    "Met 14 procent is het aandeel na een lange en trage daling van 3 procent in 2022 laag.",
    "Het cijfer steeg van 6,8 naar 7,4; 3 op de 10 klanten (30%) en 1.250 respondenten.",
    "Een 8 uit 10 sterren, € 2,5 miljoen en 38/62 of 50/50, 45 minuten en 1 uur en 18 minuten.",
    "",
    "Geen enkel getal hier.",
    "12",
    # numerals of several tokens merged into one (token_texts is derived from the texts before the merge)
    "Ruim twee derde (68 procent), 1 000 klanten, tweeënhalf keer, 3 op de 10 en 2,5 miljoen euro.\n\n12 procent",
    # case that changes length when lower-cased ('İ' is two code points lower-cased), tabs, line breaks
    "İstanbul: 12 procent\tvan de ÉÉN klanten\n\n  Ürün 3,5%  \u00a0 en ß 7 keer.",
]


def _examples() -> list[str]:
    out = []
    for name in KINDS:
        for rule in load_rules(name).rules:
            out += [f"Titel\n{ex.text}" for ex in rule.examples] + list(rule.negatives)
    return out


def _spans(spans) -> list[tuple]:
    return [(s.start, s.end, s.label_, s.id_) for s in spans]


@pytest.mark.parametrize("text", TEXTS + _examples() + [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))])
def test_kind_rules_find_what_the_span_ruler_finds(text: str) -> None:
    doc = get_nlp()(text)
    assert _spans(doc.spans[CANDIDATES_KEY]) == _spans(span_ruler_candidates(doc))


def test_the_window_reaches_over_a_run_of_qualifiers() -> None:
    doc = get_nlp()(TEXTS[0])
    found = {(s.id_, s.text) for s in doc.spans[CANDIDATES_KEY]}
    assert ("percentage_change.rise_verb_met", "groeide met ruim bijna ongeveer zo'n wel zeker 12 procent") in found


@pytest.mark.parametrize("text", TEXTS + [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))])
def test_indexes_equal_a_scan_of_every_token(text: str) -> None:
    doc = get_nlp()(text)
    assert [(s.start, s.end) for s in sentences(doc)] == [(s.start, s.end) for s in doc.sents]
    assert numeral_tokens(doc) == [t.i for t in doc if t._.numform is not None]
    assert quantity_tokens(doc) == [t.i for t in doc if t._.num is not None]
    assert token_texts(doc) == [t.text for t in doc]
    assert token_lowers(doc) == [t.lower_ for t in doc]


SPEECH = [
    "„We zien het elke dag”, zegt Jan de Vries, directeur bij Klantpeil. Volgens Marit Bos van Peilwijzer klopt dat.",
    "zegt zegt Anna Smit, die Servicewijzer samen met Kees Jansen leidt; stelde Piet Verhoeven, woordvoerder van de ACM.",
    "Zie www.klantpeil.nl of https://voorbeeld.be/rapport (https://x.com/a) en mail info@bureau.nl. Een .nl-domein.",
]


@pytest.mark.parametrize("text", SPEECH + TEXTS + [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))])
def test_attribution_shortcuts_equal_a_plain_scan(text: str) -> None:
    """The speech patterns tried only where a verb of speech starts, the web-address pattern
    anchored at word starts, and the pattern words found once per article: each the same as
    the plain scan."""
    import re

    from pipeline import studies as st

    starts = st._speech_starts(text)
    for rx in (st._RE_SPEAKER, st._RE_SPEECH_BIJ, st._RE_SPEECH_VAN, st._RE_SPEECH_DIE):
        assert [m.span() for m in st._matches_at(rx, text, starts)] == [m.span() for m in rx.finditer(text)]
    plain_url = r"\S+\.(?:nl|com|io|org|net|be|eu)\S*|https?://\S+|www\.\S+"
    assert st._RE_URL.sub(" ", text) == re.sub(plain_url, " ", text)
    doc = get_nlp()(text)
    sents, texts = sentences(doc), [s.text for s in sentences(doc)]
    assert st._words_per_sentence(text, sents, texts) == [st.words_in(t) for t in texts]


def test_bounded_operators_become_the_fixed_patterns_they_stand_for() -> None:
    from pipeline.nlp import _optional_variants

    num, word = {"NORM": "num_digits"}, {"LOWER": "procent"}
    assert _optional_variants([num, {"LOWER": "ruim", "OP": "?"}, word]) == [[num, word], [num, {"LOWER": "ruim"}, word]]
    assert _optional_variants([num, {"LOWER": "x", "OP": "{1,2}"}]) == [[num, {"LOWER": "x"}], [num, {"LOWER": "x"}, {"LOWER": "x"}]]
    assert _optional_variants([num, {"LOWER": "x", "OP": "*"}]) == []  # unbounded: left to the Matcher
    assert _optional_variants([num] + [{"LOWER": "x", "OP": "?"}] * 5) == []  # 32 variants: too many


@pytest.mark.parametrize("text", [
    "Bel 020-1234567 of +31 (0)20 123 4567, 0800-1234, 0900 1234 of 06-12345678.",
    "Geen nummer: x020-1234567, a0612345678, _0612345678, é0612345678, 12 0612345678.",
    *[p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))],
])
def test_phone_numbers_are_found_where_the_plain_pattern_finds_them(text: str) -> None:
    """exclusions.yaml's phone pattern is written so every branch starts with '+' or '0'
    (fast); it must find what the plain '\\b0' form finds."""
    import re

    from pipeline.nlp import _PHONE_RE

    plain = re.compile(r"(?:\+31[\s-]?(?:\(0\))?[\s-]?|\b0)(?:\d[\s-]?){8,10}\d\b|\b0[89]00[\s-]?\d{4}\b")
    assert [m.span() for m in _PHONE_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]
    if text.startswith("Bel"):
        assert len(plain.findall(text)) == 5
