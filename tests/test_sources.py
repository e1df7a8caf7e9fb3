"""The person and report parts of a source, which the rule examples (organization only) do not check."""

from __future__ import annotations

import pytest

from pipeline.article import build_article
from pipeline.extract import extract


def _source(sentence: str) -> dict:
    (m,) = extract(build_article("s.txt", f"Titel\n\n{sentence}\n".encode())).mentions
    return m["source"]


@pytest.mark.parametrize(
    ("sentence", "organization", "person", "report"),
    [
        ("“80 procent van de klanten wil digitaal contact”, zegt Jan de Vries, directeur bij Zendesk.", "Zendesk", "Jan de Vries", None),
        ("Volgens onderzoeker Peter Jansen van TNO is 22 procent van de klanten loyaal.", "TNO", "Peter Jansen", None),
        ("Uit het rapport CX Trends 2024 van Zendesk blijkt dat 64 procent meer wil.", "Zendesk", None, "CX Trends 2024"),
        ("Volgens het CBS kocht 78 procent van de Nederlanders iets online.", "CBS", None, None),
    ],
)
def test_source_parts(sentence, organization, person, report):
    src = _source(sentence)
    assert (src["organization"], src["person"], src["report"]) == (organization, person, report)


def test_a_person_after_volgens_is_not_an_organization():
    assert _source("Volgens Jan de Vries is 40 procent van de klanten ontevreden.") is None


def test_a_report_name_leaves_out_the_words_a_sentence_start_pulls_in():
    from pipeline.extract import extract_text

    (m,) = extract_text("Titel\nUit de Klantcontact Monitor 2024 van Peilwijzer blijkt dat 64 procent belt.").mentions
    assert m["source"] == {"organization": "Peilwijzer", "report": "Klantcontact Monitor 2024", "person": None}
