"""Extraction costs time and memory linear in the text: the two shortcuts that make it so
give what the plain way gives, and bound what they must.

1. The tokenizer's suffix search looks at a long word's end first (``pipeline.nlp._tail_search``):
   spaCy's own search over the whole word each time an affix is stripped is quadratic in
   the word's length. It must split every text exactly as the plain search does.
2. A sentence longer than ``MAX_SENTENCE_TOKENS`` is cut at clause or list boundaries
   (``cx_long_sentences``); a sentence within it is never touched.

The times and memory themselves are the benchmark's (``bench/limits_bench.py``).
"""

from __future__ import annotations

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import extract_text
from pipeline.nlp import MAX_SENTENCE_TOKENS, SUFFIX_WINDOW, _tokenizer_rules, get_nlp, sentences
from tests.conftest import CORPUS


def _plain_tokenizer():
    nlp = spacy.blank("nl")
    _tokenizer_rules(nlp, tail_search=False)
    return nlp.tokenizer


PLAIN = _plain_tokenizer()
# runs longer than the window of what suffix rules match: brackets, quotes, dots, units, digits
RUN = st.sampled_from([")", "(", "”", "'", ".", "…", "%", "!", "?", "-", "]", "»", "km", "x", "0", "9", "a", "Z", ",", ";"])
WORD = st.lists(RUN, min_size=0, max_size=6).map("".join)


def _tokens(tokenizer, text: str) -> list[str]:
    return [t.text for t in tokenizer(text)]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(WORD, RUN, st.integers(0, 3 * SUFFIX_WINDOW), WORD), min_size=1, max_size=4))
def test_tail_search_splits_like_the_plain_search(parts):
    text = " ".join(head + run * n + tail for head, run, n, tail in parts)
    assert _tokens(get_nlp().tokenizer, text) == _tokens(PLAIN, text)


def test_tail_search_on_the_seed_articles_and_long_runs():
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    texts += ["x" + ")" * 500, "(" * 500 + "12%", "a" + "." * 300, "7" + "…" * 200 + "%", "“" * 150 + "De" + "”." * 150]
    for text in texts:
        assert _tokens(get_nlp().tokenizer, text) == _tokens(PLAIN, text)


def _table(n_figures: int, sep: str = " ") -> str:
    cells = ["64 procent", "12,5%", "+13", "2,9 keer", "€ 2,5 miljoen", "45 minuten"]
    return "Tabel" + sep + sep.join(f"regio{k % 7} {cells[k % len(cells)]}" for k in range(n_figures)) + "\n"


def test_no_sentence_is_longer_than_the_limit_and_figures_keep_their_markers():
    doc = get_nlp()(_table(600))
    lengths = [len(s) for s in sentences(doc)]
    assert max(lengths) <= MAX_SENTENCE_TOKENS and len(lengths) > 10
    for s in sentences(doc):  # a piece never starts with a figure's marker: it stayed with its numeral
        assert s[0].text not in ("procent", "%", "keer", "miljoen", "minuten"), s.text[:40]
    result = extract_text(_table(600))
    kinds = [m["kind"] for m in result.mentions]
    assert kinds.count("percentage") == 200 and kinds.count("money") == 100  # every '64 procent', '12,5%', '€ 2,5 miljoen'
    assert max(len(m["sentence"]) for m in result.mentions) < 2_000  # uncut: the whole 15 KB table, for each figure


def test_an_overlong_sentence_is_cut_at_list_boundaries_first():
    doc = get_nlp()(_table(300, sep=" ; "))
    pieces = sentences(doc)
    assert len(pieces) > 2
    assert all(p[-1].text == ";" for p in pieces[:-1]), [p[-1].text for p in pieces]


def test_sentences_within_the_limit_are_not_cut():
    nlp = get_nlp()
    plain = spacy.blank("nl")
    _tokenizer_rules(plain)
    for name in ("cx_sentences", "cx_numerals"):
        plain.add_pipe(name)
    for p in sorted(CORPUS.glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        assert [(s.start, s.end) for s in sentences(nlp(text))] == [(s.start, s.end) for s in plain(text).sents]


# names as attribution meets them: capitalised words, acronyms, punctuation, non-ASCII capitals
NAME = st.lists(st.sampled_from(["Zendesk", "ZD", "SSI", "Survey", "Sampling", "International", "ÖBB", "Öffentliche",
                                 "B", "Bank", "de", "-", "&", ".", "NS", "Nederlandse", "Spoorwegen", "ns", "Ns!"]),
                min_size=1, max_size=4).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(NAME, NAME)
def test_names_the_same_organization_share_a_key(a, b):
    """Attribution compares a name only with the names filed under its lookups (``org_keys``,
    ``org_lookups``): every pair ``same_org`` joins must meet there, or a name would start a
    candidate of its own where comparing with every candidate found the first one."""
    from pipeline.names import org_keys, org_lookups, same_org

    if same_org(a, b):
        assert org_lookups(a) & org_keys(b), (a, b)

