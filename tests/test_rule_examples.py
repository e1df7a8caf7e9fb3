"""Every example and negative in pipeline/rules/*.yaml, run through the real extractor.

Adding a Dutch phrasing is one line of pattern plus one line of example here.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.article import find_published
from pipeline.extract import extract_text
from pipeline.numbers import find_numerals
from pipeline.rules import load_rules, rule_files

CONTEXT_FILES = {"qualifiers", "metrics", "years", "sources", "exclusions"}


def _example_files():
    """The rule files whose examples run here (study_details' run in tests/test_corpus_studies.py)."""
    for name in rule_files():
        if name not in ("numbers", "published", "markers", "study_details"):
            yield name, load_rules(name)


def _cases():
    for name, rf in _example_files():
        for rule in rf.rules:
            for k, ex in enumerate(rule.examples):
                yield pytest.param(name, rule.kind, ex, id=f"{rule.id}#{k}")
        for k, ex in enumerate(rf.examples):
            yield pytest.param(name, None, ex, id=f"{name}#{k}")


def _negatives():
    for name, rf in _example_files():
        for rule in rf.rules:
            for k, text in enumerate(rule.negatives):
                yield pytest.param(rule.kind, text, id=f"{rule.id}!{k}")
        for k, text in enumerate(rf.negatives):
            yield pytest.param(None if name in CONTEXT_FILES else name, text, id=f"{name}!{k}")


def _text(ex) -> str:
    return f"{ex.title}\n{ex.text}" if ex.title else f"Titel\n{ex.text}"


@pytest.mark.parametrize("name,kind,example", list(_cases()))
def test_positive_example(name, kind, example):
    text = _text(example)
    got = extract_text(text).mentions
    for exp in example.expect:
        found = [m for m in got if m["text"] == exp.text]
        assert found, f"no mention {exp.text!r} in {example.text!r}; got {[m['text'] for m in got]}"
        m = found[0]
        if exp.value is not None:
            assert m["value"] == pytest.approx(exp.value, abs=0.01)
        fields = exp.model_fields_set - {"text", "value"}
        for f in sorted(fields):
            want = getattr(exp, f)
            have = (m["source"] or {}).get("organization") if f == "source" else m[f]
            assert have == want, f"{exp.text!r}: {f} is {have!r}, expected {want!r} (rule {m['rule']})"
        if kind and "kind" not in fields:
            assert m["kind"] == kind, f"{exp.text!r}: kind {m['kind']} (rule {m['rule']}), expected {kind}"


@pytest.mark.parametrize("kind,text", list(_negatives()))
def test_negative_example(kind, text):
    got = extract_text(f"Titel\n{text}").mentions
    if kind is None:
        assert got == [], f"expected no mention in {text!r}; got {[(m['text'], m['kind'], m['rule']) for m in got]}"
    else:
        bad = [m for m in got if m["kind"] == kind]
        assert bad == [], f"expected no {kind} in {text!r}; got {[(m['text'], m['rule']) for m in bad]}"


@pytest.mark.parametrize("example", load_rules("numbers").examples, ids=lambda e: e.text)
def test_numeral(example):
    found = find_numerals(example.text)
    assert len(found) == 1 and found[0].text == example.text, found
    assert found[0].value == pytest.approx(example.value, abs=0.01)


@pytest.mark.parametrize("text", load_rules("numbers").negatives)
def test_not_a_numeral(text):
    assert [n for n in find_numerals(text) if n.text != "een"] == [] or text == "een"


@pytest.mark.parametrize("example", load_rules("published").examples, ids=lambda e: e.text[:30])
def test_published(example):
    assert find_published(example.text)[0] == example.published


def _word_dates() -> list[str]:
    words = load_rules("published").tables["month_numbers"]
    forms = []
    for k, word in enumerate(words):
        spelled = (word, word.upper(), word.capitalize(), f"{word}.")[k % 4]
        for day in ("1", "07", "28", "29", "30", "31", "32"):
            for year in ("2016", "2019", "2023"):
                forms.append(f"{day} {spelled} {year}")
    return forms + ["3  juni\t2019", " 6 okt. 2022 "]


def test_month_words_are_read_as_dateparser_reads_them():
    """``month_numbers`` reads 'D month YYYY' by hand: the same dates (or none, for a day the
    month does not have) as dateparser, for every month word in several spellings."""
    from pipeline.article import _dateparser_date, _word_date

    forms = _word_dates()
    assert len(forms) > 500
    # 'febr' (and 'febr.'), a Dutch abbreviation dateparser 1.x does not know: read by hand only
    theirs = [f for f in forms if "febr" not in f.lower()]
    assert [(f, _word_date(f)) for f in theirs] == [(f, _dateparser_date(f)) for f in theirs]
    assert _dateparser_date("3 febr. 2019") is None
    assert _word_date("3 febr. 2019") == _word_date("3 februari 2019") == date(2019, 2, 3)


@pytest.mark.parametrize("raw", ["March 3, 2021", "3 June 2019", "3 juni", "juni 2019", "3 maand 2019"])
def test_other_date_forms_are_left_to_dateparser(raw):
    from pipeline.article import _word_date

    with pytest.raises(LookupError):
        _word_date(raw)
