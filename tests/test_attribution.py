"""Attribution by weight of evidence (pipeline/attribution.py): clauses, names, roles, the main maker.

The sentences are invented, of the shapes ordinary Dutch uses; sources.yaml's examples run the
same constructions through the whole extractor.
"""

from __future__ import annotations

import pytest

from pipeline.attribution import clauses, main_maker, org_mentions, capitalised_inside, _role
from pipeline.nlp import get_nlp, paragraph_numbers, sentence_texts
from pipeline.studies import SourceTracker


def _maker(text: str) -> str | None:
    doc = get_nlp()(text)
    found = main_maker(sentence_texts(doc), paragraph_numbers(doc), SourceTracker.for_text(text))
    return found.best_name() if found else None


def test_a_sentence_is_cut_at_conjunctions_and_an_embedded_clause_ends_at_its_comma():
    cut = [c for _o, c in clauses("Bij Ombudsloket, de dienst die tussen klanten en winkels bemiddelt, kwamen 900 klachten binnen.")]
    assert cut == ["Bij Ombudsloket, de dienst kwamen 900 klachten binnen.", "die tussen klanten en winkels bemiddelt"]
    assert [c for _o, c in clauses("Uit onderzoek van Meetpunt blijkt dat 30 procent belt; de rest mailt.")] == [
        "Uit onderzoek van Meetpunt blijkt",
        "dat 30 procent belt",
        "de rest mailt.",
    ]


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Volgens vliegreis.nl en Reisland is het druk.", ["vliegreis.nl", "Reisland"]),
        ("Het onderzoek van SurveyLab liep een maand.", ["SurveyLab"]),
        ("Tegelijk belt 20 procent liever.", []),  # a common word at the start of a sentence
        ("Anna de Wit, directeur van Panelhuis, is tevreden.", ["Panelhuis"]),  # a person before a comma and a role
    ],
)
def test_organization_names_are_found_generally(sentence, names):
    tracker = SourceTracker.for_text(sentence)
    got = [n for _s, _e, n in org_mentions(sentence, tracker, capitalised_inside([sentence]))]
    assert got == names


@pytest.mark.parametrize(
    ("before", "role"),
    [
        (["Uit", "onderzoek", "van"], "maker"),
        (["Het", "onderzoek", "werd", "door", "het", "bureau"], "maker"),
        (["in", "opdracht", "van", "de"], "commissioner"),
        (["een", "onderzoek", "naar"], "topic"),
        ([], "maker"),
        (["nadat", "de"], "maker"),  # the subject of a subordinate clause
        (["Uit", "een", "peiling", "van", "het", "radioprogramma"], "maker"),  # an apposition's noun
    ],
)
def test_the_word_before_a_name_gives_its_role(before, role):
    assert _role(before) == role


def test_a_subject_without_a_research_verb_only_uses_research():
    assert _role([], verb=False) == "other"


@pytest.mark.parametrize(
    ("text", "maker"),
    [
        # the sentence bracket with a long middle field, the verb last
        ("Titel\nHet bureau Meerzicht heeft de afgelopen winter voor de vereniging van webwinkels bij 600 winkels de reactietijd gemeten.", "Meerzicht"),
        # a passive with 'door'
        ("Titel\nHet Nationale Klantonderzoek werd door Belevingspunt gehouden onder 2.000 consumenten.", "Belevingspunt"),
        # a registry's figures over a relative clause
        ("Titel\nBij Ombudsloket, de dienst die bemiddelt tussen klanten en winkels, kwamen vorig jaar 2.300 klachten binnen.", "Ombudsloket"),
        # the publisher in the first person, named in its closing block
        ("Titel\nWij vroegen 800 klanten naar hun ervaring. Van hen belt 40 procent liever.\n\nOver Belwijzer\nBelwijzer maakt software.", "Belwijzer"),
        # companies that are only measured, research named without its maker: no maker
        ("Telmo heeft de hoogste NPS\nTelmo noteert een NPS van 30. Daarachter volgt Belnet met 26.", None),
        ("Titel\nVolgens de Bereikbaarheidsindex 2024 neemt 70 procent van de bedrijven binnen een minuut op.", None),
        ("Titel\nDe provincie Gelderland gebruikt de uitkomsten van het klanttevredenheidsonderzoek.", None),
    ],
)
def test_the_main_maker_by_weight_of_evidence(text, maker):
    assert _maker(text) == maker
