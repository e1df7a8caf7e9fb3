"""Research an article names without its maker is a study all the same (pipeline/studies.py):
it dates its figures, which get no source, and it is a line of studies.jsonl with no
organizations. Our own Dutch examples."""

from __future__ import annotations

from pipeline.corpus_studies import link_studies, study_record
from pipeline.extract import extract_text
from schemas.records import StudyRecord

BAROMETER = (
    "Reizigers tevreden over de bus\n12 maart 2018\n\n"
    "Dat komt naar voren uit de Reizigersbarometer, het onderzoek waarvoor in november 2017 reizigers werden ondervraagd.\n\n"
    "Van de reizigers is 64 procent tevreden over de stiptheid."
)
OWN_ANALYSIS = (
    "Bellers stranden bij de gemeente\n3 december 2019\n\n"
    "Wie dit jaar de gemeente belde, kreeg in 40 procent van de gevallen geen antwoord, zo blijkt uit een analyse van deze krant.\n\n"
    "Bovendien hing 12 procent van de bellers op."
)


def test_a_named_report_without_maker_dates_its_figures_and_gives_no_source():
    ex = extract_text(BAROMETER, "bus")
    (study,) = ex.studies
    assert study["makers"] == [] and study["commissioners"] == []
    assert study["name"] == "Reizigersbarometer" and study["year"] == 2017
    (m,) = [m for m in ex.mentions if m["text"] == "64 procent"]
    assert m["source"] is None and m["year"] == 2017 and m["study_id"] == study["study_id"]


def test_the_publishers_own_analysis_is_one_study_dated_by_its_paragraph():
    ex = extract_text(OWN_ANALYSIS, "gemeente")
    (study,) = ex.studies
    assert study["makers"] == [] and study["name"] is None and study["year"] == 2019
    assert {m["text"]: (m["source"], m["year"]) for m in ex.mentions} == {"40 procent": (None, 2019), "12 procent": (None, 2019)}


def test_a_study_without_maker_is_a_valid_studies_line():
    ex = extract_text(BAROMETER, "bus")
    groups, ids = link_studies([("bus", ex.studies)])
    (group,) = groups
    record = study_record(ids[("bus", ex.studies[0]["study_id"])], group, 1, "1.1.0")
    assert StudyRecord.model_validate(record).organizations == []


def test_a_named_study_is_not_replaced_by_an_unnamed_one():
    ex = extract_text(BAROMETER.replace("uit de Reizigersbarometer", "uit de Reizigersbarometer van Panelwijzer"), "bus")
    assert [s["makers"] for s in ex.studies] == [["Panelwijzer"]]
    assert {m["source"]["organization"] for m in ex.mentions if m["source"]} == {"Panelwijzer"}
