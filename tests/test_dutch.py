"""Dutch verb forms from a lemma (pipeline/dutch.py), on a table of verbs."""

from __future__ import annotations

import pytest

from pipeline.dutch import all_forms, common_word, verb_forms
from pipeline.studies import SOURCES

IRREGULAR = SOURCES["irregular_verbs"]

# lemma -> forms it must make (finite present and past, participle; joined separable forms)
VERBS = {
    "peilen": {"peilt", "peilen", "peilde", "peilden", "gepeild"},
    "meten": {"meet", "meten", "mat", "maten", "gemeten"},
    "analyseren": {"analyseert", "analyseerde", "analyseerden", "geanalyseerd"},
    "enquêteren": {"enquêteert", "enquêteerde", "geënquêteerd"},
    "inventariseren": {"inventariseerde", "geïnventariseerd"},
    "publiceren": {"publiceert", "publiceerde", "publiceerden", "gepubliceerd"},
    "verzamelen": {"verzamelt", "verzamelde", "verzameld"},  # an unstressed prefix: no 'ge'
    "behandelen": {"behandelt", "behandelde", "behandeld"},  # '-elen' has a schwa: no 'behandeel'
    "openen": {"opent", "opende", "geopend"},
    "tellen": {"telt", "telde", "telden", "geteld"},  # a double consonant is single in the stem
    "testen": {"test", "testte", "getest"},  # a stem in -t takes no second t
    "registreren": {"registreert", "registreerde", "geregistreerd"},
    "becijferen": {"becijfert", "becijferde", "becijferd"},  # from the table: a schwa '-eren' verb
    "vragen": {"vraagt", "vroeg", "vroegen", "gevraagd"},
    "ondervragen": {"ondervraagt", "ondervroeg", "ondervroegen", "ondervraagd"},  # prefix + irregular, no 'ge'
    "bevragen": {"bevraagt", "bevroeg", "bevroegen", "bevraagd"},
    "onderzoeken": {"onderzoekt", "onderzocht", "onderzochten"},
    "ontvangen": {"ontvangt", "ontving", "ontvingen", "ontvangen"},
    "krijgen": {"krijgt", "kreeg", "kregen", "gekregen"},
    "uit|voeren": {"uitvoert", "uitvoerde", "uitvoerden", "uitgevoerd", "uitvoeren"},
    "binnen|komen": {"binnenkomt", "binnenkwam", "binnenkwamen", "binnengekomen"},
    "af|handelen": {"afhandelt", "afgehandeld"},
    "onderzoek |doen": {"onderzoek doet", "onderzoek deed", "onderzoek deden", "onderzoek gedaan"},
}
# forms a rule must not make ('behandeel', 'opeen': the schwa is not doubled; 'gebevraagd')
NOT = {
    "behandelen": {"behandeel", "behandeelt"},
    "openen": {"opeen", "opeent", "geopeend"},
    "bevragen": {"gebevraagd", "bevraagde"},
    "onderzoeken": {"geonderzocht", "onderzoekte"},
    "komen": {"koomt", "komde"},
    "peilen": {"peil"},  # the bare stem is left out: in news text it is the noun
}


@pytest.mark.parametrize("lemma", sorted(VERBS))
def test_forms_of_a_verb(lemma):
    forms = verb_forms(lemma, IRREGULAR).words
    assert VERBS[lemma] <= forms, sorted(VERBS[lemma] - forms)


@pytest.mark.parametrize("lemma", sorted(NOT))
def test_forms_a_verb_does_not_have(lemma):
    assert not NOT[lemma] & verb_forms(lemma, IRREGULAR).words


def test_split_forms_pair_the_verb_with_its_particle():
    f = verb_forms("uit|voeren", IRREGULAR)
    assert {("voerde", "uit"), ("voert", "uit"), ("voerden", "uit")} <= f.split
    assert "uitgevoerd" in f.participles and "voerde" not in f.words  # alone, 'voerde' is not this verb
    noun = verb_forms("onderzoek |doen", IRREGULAR)
    assert ("deed", "onderzoek") in noun.split and "onderzoek deed" in noun.finite


def test_every_lemma_of_the_rule_tables_conjugates():
    """Each table entry makes its infinitive and at least a finite form and a participle."""
    for table in ("research_lemmas", "registry_lemmas", "presenting_lemmas", "first_person_lemmas"):
        for entry in SOURCES[table]:
            f = verb_forms(entry, IRREGULAR)
            assert f.finite and f.participles, entry
    assert len(all_forms(SOURCES["research_lemmas"], IRREGULAR)) > 4 * len(SOURCES["research_lemmas"])


@pytest.mark.parametrize(
    ("word", "common"),
    [("Tegelijk", True), ("Klanttevredenheid", True), ("Drinkwaterstatistieken", True), ("Kifid", False), ("Febelfin", False), ("Yource", False)],
)
def test_common_words_and_compounds(word, common):
    assert common_word(word) is common
