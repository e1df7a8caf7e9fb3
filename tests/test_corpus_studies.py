"""Studies and findings across the corpus (issue 12), on Dutch articles written for the tests.

tests/studies_corpus/ holds three articles: two report the Klantcontact Monitor 2024 of
Peilwijzer (they agree on 64 procent and on the 1.250 people asked, and disagree on the
share that a chatbot seldom helps: 38 and 47 procent); the third reports another study.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from flows.io import read_jsonl
from pipeline.corpus_studies import (
    build_findings,
    clean_name,
    figures_of,
    link_studies,
    names_compatible,
    relink,
    statement_words,
    values_agree,
)
from pipeline.extract import extract_text
from pipeline.rules import load_rules
from pipeline.study_details import method_of, population_of
from schemas.export import SCHEMA_DIR

from .conftest import run_flow

HERE = Path(__file__).resolve().parent
STUDIES_CORPUS = HERE / "studies_corpus"
STUDY_FILES = ("metrics.jsonl", "studies.jsonl", "findings.jsonl")
DETAILS = load_rules("study_details")


# --------------------------------------------------------------------------- method and population


@pytest.mark.parametrize("example", DETAILS.examples, ids=lambda e: e.text[:40])
def test_study_details_example(example):
    assert method_of([example.text]) == example.method
    assert population_of([example.text]) == example.population


@pytest.mark.parametrize("text", DETAILS.negatives)
def test_study_details_negative(text):
    assert method_of([text]) is None
    assert population_of([text]) is None


def test_details_come_from_the_sentences_of_the_study():
    text = (
        "Klantenservice onder vuur\n"
        "Uit onderzoek van Belmeter blijkt dat 58 procent van de klanten ontevreden is. "
        "Belmeter pleegde daarvoor 300 mystery calls naar energieleveranciers.\n\n"
        "Volgens een peiling van Stemwijzer onder 900 Vlamingen wil 20 procent vaker chatten."
    )
    studies = {s["makers"][0]: s for s in extract_text(text, "mystery").studies}
    assert studies["Belmeter"]["method"] == "mystery calling"
    assert studies["Stemwijzer"]["method"] == "poll"
    assert studies["Stemwijzer"]["population"] == "Vlamingen"
    assert studies["Belmeter"]["population"] is None


# --------------------------------------------------------------------------- matching rules


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("Klantcontact Monitor 2024", "Klantcontact Monitor", True),
        ("Nederlanders voor de Klantcontact Monitor 2024", "Klantcontact Monitor 2024", True),
        ("Klantcontact Monitor", None, True),
        ("Klantcontact Monitor", "Retail Monitor", False),
        ("State of CX Report", "CX Trends Report", False),
    ],
)
def test_names_compatible(a, b, same):
    assert names_compatible(a, b) is same


def test_clean_name_drops_words_before_the_title():
    assert clean_name("Uit de Klantcontact Monitor 2024") == "Klantcontact Monitor 2024"
    assert clean_name("State of CX Maturity Report 2021") == "State of CX Maturity Report 2021"


@pytest.mark.parametrize(
    "a,qa,b,qb,agree",
    [
        (64.0, None, 64.0, None, True),
        (64.0, None, 63.8, None, True),  # rounded
        (64.0, None, 46.0, None, False),  # wrong
        (60.0, "more_than", 64.0, None, True),  # 'ruim 60 procent'
        (50.0, "almost", 48.0, None, True),  # 'bijna de helft'
        (50.0, "almost", 52.0, None, False),
        (38.0, None, 47.0, None, False),
    ],
)
def test_values_agree(a, qa, b, qb, agree):
    assert values_agree(a, qa, b, qb) is agree
    assert values_agree(b, qb, a, qa) is agree


def test_statement_words_are_the_figures_own_part_of_the_sentence():
    s = "Van de klanten wil 30 procent bellen en 45 procent chatten."
    mentions = [
        {"sentence": s, "text": "30 procent"},
        {"sentence": s, "text": "45 procent"},
    ]
    first, second = statement_words(mentions)
    assert "bell" in first and "chatt" not in first
    assert "chatt" in second and "bell" not in second
    # only the second wanted (the first has no study): the same words, the first still bounds them
    assert statement_words(mentions, {1}) == [None, second]


# --------------------------------------------------------------------------- linking, without the flow


def _extract_corpus(texts: dict[str, str]):
    extracted = {aid: extract_text(text, aid) for aid, text in texts.items()}
    groups, ids = link_studies((aid, ex.studies) for aid, ex in extracted.items())
    figures = []
    for aid, ex in sorted(extracted.items()):
        for m in ex.mentions:
            m["study_id"] = ids.get((aid, m["study_id"])) if m["study_id"] else None
        figures += figures_of(ex.mentions)
    return extracted, groups, ids, list(build_findings(figures, "1.1.0"))


def _corpus_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(STUDIES_CORPUS.glob("*.txt"))}


def test_an_unnamed_report_of_the_same_maker_and_year_joins_the_named_study():
    texts = _corpus_texts()
    texts["d_kortnieuws"] = (
        "Kort nieuws\n2 april 2024\n\n"
        "Onderzoeksbureau Peilwijzer ondervroeg Nederlanders over klantenservices: 64 procent ergert zich aan lange wachttijden."
    )
    extracted, groups, ids, findings = _extract_corpus(texts)
    peil = [g for g in groups if any("Peilwijzer" in m.study["makers"] for m in g)]
    assert len(peil) == 1 and {m.article_id for m in peil[0]} == {"a_klantwacht", "b_servicenieuws", "d_kortnieuws"}
    sixty_four = [f for f in findings if f["values"] == [64.0]]
    assert len(sixty_four) == 1 and len(sixty_four[0]["article_ids"]) == 3


def test_an_unnamed_report_between_two_named_studies_stays_apart():
    texts = {
        "x1": "Eerste\n3 mei 2024\n\nUit de Retail Monitor van Peilwijzer blijkt dat 30 procent van de winkels online verkoopt.",
        "x2": "Tweede\n4 mei 2024\n\nUit de Zorg Monitor van Peilwijzer blijkt dat 22 procent van de patiënten lang wacht.",
        "x3": "Derde\n5 mei 2024\n\nOnderzoeksbureau Peilwijzer ondervroeg 500 mensen: 12 procent belt nooit.",
    }
    _extracted, groups, _ids, _findings = _extract_corpus(texts)
    assert sorted(len(g) for g in groups) == [1, 1, 1]


def test_without_a_year_a_study_is_never_linked():
    texts = {
        "z1": "Zonder datum\nUit onderzoek van Peilwijzer blijkt dat 64 procent van de Nederlanders zich ergert aan wachttijden.",
        "z2": "Ook zonder datum\nUit onderzoek van Peilwijzer blijkt dat 64 procent van de Nederlanders zich ergert aan wachttijden.",
    }
    extracted, groups, ids, findings = _extract_corpus(texts)
    assert len(groups) == 2 and len(set(ids.values())) == 2
    assert all(len(f["article_ids"]) == 1 for f in findings)


def test_one_article_study_keeps_the_id_extraction_gave_it():
    texts = _corpus_texts()
    extracted, _groups, ids, _findings = _extract_corpus({"c_webwinkelbode": texts["c_webwinkelbode"]})
    (study,) = extract_text(texts["c_webwinkelbode"], "c_webwinkelbode").studies
    assert ids[("c_webwinkelbode", study["study_id"])] == study["study_id"]


def test_editor_source_moves_a_mention_to_that_study():
    studies = [
        {"study_id": "st_a", "makers": ["Peilwijzer"], "commissioners": []},
        {"study_id": "st_b", "makers": ["Marktmeter"], "commissioners": ["Thuiswinkel.org"]},
    ]
    plain = {"study_id": "st_a", "corrected": None, "source": {"organization": "Peilwijzer"}}
    assert relink(plain, studies) == "st_a"
    moved = {"study_id": "st_a", "corrected": {"action": "set", "fields": ["source"]}, "source": {"organization": "Marktmeter"}}
    assert relink(moved, studies) == "st_b"
    unknown = {"study_id": "st_a", "corrected": {"action": "set", "fields": ["source"]}, "source": {"organization": "Gartner"}}
    assert relink(unknown, studies) is None
    other_field = {"study_id": "st_a", "corrected": {"action": "set", "fields": ["value"]}, "source": None}
    assert relink(other_field, studies) == "st_a"


# --------------------------------------------------------------------------- the flow


def _snapshot(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in STUDY_FILES}


@pytest.fixture
def studies_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(STUDIES_CORPUS, dst)
    return dst


@pytest.mark.usefixtures("prefect_harness")
def test_two_articles_one_study_one_agreement_one_conflict(studies_copy, tmp_path):
    from flows.cli import summary_text

    out = tmp_path / "out"
    summary = run_flow(studies_copy, out)
    studies = read_jsonl(out / "studies.jsonl")
    findings = read_jsonl(out / "findings.jsonl")
    assert f"cxmetrics: 2 studies (1 in several articles), {len(findings)} findings, 1 conflict" in summary_text(summary)
    assert run_flow(studies_copy, out)["conflicts"] == 1  # nothing to do: the counts come from the manifest
    metrics = read_jsonl(out / "metrics.jsonl")
    for name, rows in (("study", studies), ("finding", findings)):
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        for row in rows:
            jsonschema.validate(row, schema)

    (monitor,) = [s for s in studies if s["organizations"][0] == "Peilwijzer"]
    assert monitor["article_ids"] == ["a_klantwacht", "b_servicenieuws"]
    assert (monitor["name"], monitor["year"], monitor["sample_size"]) == ("Klantcontact Monitor 2024", 2024, 1250)
    assert (monitor["population"], monitor["method"]) == ("Nederlanders", "online survey")
    assert monitor["n_mentions"] == sum(1 for m in metrics if m["study_id"] == monitor["study_id"]) == 7
    (other,) = [s for s in studies if s["organizations"][0] == "Marktmeter"]
    assert other["article_ids"] == ["c_webwinkelbode"] and other["method"] == "poll"
    assert len(studies) == 2

    mine = [f for f in findings if f["study_id"] == monitor["study_id"]]
    alike = [f for f in mine if f["values"] == [64.0]]
    assert len(alike) == 1 and alike[0]["article_ids"] == ["a_klantwacht", "b_servicenieuws"] and not alike[0]["conflict"]
    (conflict,) = [f for f in findings if f["conflict"]]
    assert conflict["study_id"] == monitor["study_id"] and conflict["values"] == [38.0, 47.0]
    assert conflict["article_ids"] == ["a_klantwacht", "b_servicenieuws"]
    assert "38 in a_klantwacht" in conflict["note"] and "47 in b_servicenieuws" in conflict["note"]
    by_id = {m["id"]: m for m in metrics}
    assert {by_id[i]["text"] for i in conflict["mention_ids"]} == {"38 procent", "47 procent"}
    # every mention with a study is in exactly one finding
    in_findings = [i for f in findings for i in f["mention_ids"]]
    assert sorted(in_findings) == sorted(m["id"] for m in metrics if m["study_id"])
    # the third article's study stays apart
    assert all(f["article_ids"] == ["c_webwinkelbode"] for f in findings if f["study_id"] == other["study_id"])

    again = tmp_path / "again"
    run_flow(studies_copy, again, full=True)
    assert _snapshot(again) == _snapshot(out)


@pytest.mark.usefixtures("prefect_harness")
def test_incremental_add_change_delete_equals_full_run(studies_copy, tmp_path):
    out = tmp_path / "out"
    b = studies_copy / "b_servicenieuws.txt"
    held = tmp_path / "b_servicenieuws.txt"
    shutil.move(b, held)
    run_flow(studies_copy, out)
    assert all(len(s["article_ids"]) == 1 for s in read_jsonl(out / "studies.jsonl"))

    def same_as_full(step: str) -> None:
        fresh = tmp_path / f"fresh-{step}"
        run_flow(studies_copy, fresh, full=True)
        assert _snapshot(out) == _snapshot(fresh), step

    shutil.move(held, b)  # added: the study now has two articles and a conflict
    s = run_flow(studies_copy, out)
    assert s["new"] == 1 and s["processed"] == 1
    same_as_full("added")
    assert any(f["conflict"] for f in read_jsonl(out / "findings.jsonl"))

    b.write_text(b.read_text(encoding="utf-8").replace("47 procent", "38 procent"), encoding="utf-8")  # changed: now they agree
    s = run_flow(studies_copy, out)
    assert s["changed"] == 1
    same_as_full("changed")
    assert not any(f["conflict"] for f in read_jsonl(out / "findings.jsonl"))
    agreed = [f for f in read_jsonl(out / "findings.jsonl") if f["values"] == [38.0]]
    assert len(agreed) == 1 and len(agreed[0]["article_ids"]) == 2

    (studies_copy / "a_klantwacht.txt").unlink()  # deleted: the study is b's alone
    s = run_flow(studies_copy, out)
    assert s["deleted"] == 1
    same_as_full("deleted")
    studies = read_jsonl(out / "studies.jsonl")
    assert [s["article_ids"] for s in studies if s["organizations"][0] == "Peilwijzer"] == [["b_servicenieuws"]]


@pytest.mark.usefixtures("prefect_harness")
def test_report_has_a_page_per_study_and_the_conflicts(studies_copy, tmp_path):
    out = tmp_path / "out"
    run_flow(studies_copy, out, report=True)
    studies = {s["organizations"][0]: s for s in read_jsonl(out / "studies.jsonl")}
    report = out / "report"
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "<h2>Conflicts (1)</h2>" in index and "<h2>Studies (2)</h2>" in index
    (conflict,) = [f for f in read_jsonl(out / "findings.jsonl") if f["conflict"]]
    monitor = studies["Peilwijzer"]
    assert f"studies/{monitor['study_id']}.html#{conflict['finding_id']}" in index
    page = (report / "studies" / f"{monitor['study_id']}.html").read_text(encoding="utf-8")
    from review.pages import page_name

    for aid in monitor["article_ids"]:
        assert f"../articles/{page_name(aid)}" in page
        assert (report / "articles" / page_name(aid)).exists()
    row = re.search(rf"<tr id='{conflict['finding_id']}' class='conflict'>.*?</tr>", page)
    assert row and "38, 47 percent" in row.group(0) and "conflict</span>" in row.group(0)
    for mid in conflict["mention_ids"]:
        assert f"#m-{mid}'" in row.group(0)
    assert page.count("class='conflict'") == 1
    # a study that is gone loses its page
    (studies_copy / "c_webwinkelbode.txt").unlink()
    run_flow(studies_copy, out, report=True)
    assert not (report / "studies" / f"{studies['Marktmeter']['study_id']}.html").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_export_duckdb_and_parquet(studies_copy, tmp_path):
    import duckdb

    from flows.cli import main
    from flows.export import TABLES
    from schemas.records import RECORD_MODELS

    out = tmp_path / "out"
    run_flow(studies_copy, out)
    db, pq = tmp_path / "cx.duckdb", tmp_path / "pq"
    assert main(["export", "--out", str(out), "--duckdb", str(db), "--parquet", str(pq)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT s.organizations[1], f.values, f.article_ids FROM findings f JOIN studies s USING (study_id) WHERE f.conflict"
        ).fetchall()
        assert rows == [("Peilwijzer", [38.0, 47.0], ["a_klantwacht", "b_servicenieuws"])]
        per_study = dict(
            con.execute(
                "SELECT s.organizations[1], count(DISTINCT m.article_id) FROM mentions m JOIN studies s USING (study_id) GROUP BY ALL"
            ).fetchall()
        )
        assert per_study == {"Peilwijzer": 2, "Marktmeter": 1}
        for table, (fname, _model, _flat) in TABLES.items():
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n == len(read_jsonl(out / fname)) > 0
            assert duckdb.sql(f"SELECT count(*) FROM '{pq / (table + '.parquet')}'").fetchall() == [(n,)]
        # every field of the record models is a column (span and source flattened), typed from the schema
        described = {t: dict((r[0], r[1]) for r in con.execute(f"DESCRIBE {t}").fetchall()) for t in TABLES}
    finally:
        con.close()
    models = {"mentions": "metric_mention", "articles": "article", "studies": "study", "findings": "finding"}
    for table, model in models.items():
        fields = set(RECORD_MODELS[model].model_fields)
        if table == "mentions":
            fields = fields - {"span", "source"} | {"span_start", "span_end", "source_organization", "source_report", "source_person"}
        assert set(described[table]) == fields, table
    assert described["mentions"]["value"] == "DOUBLE" and described["mentions"]["span_end"] == "BIGINT"
    assert described["mentions"]["corrected"] == 'STRUCT("action" VARCHAR, fields VARCHAR[], "at" VARCHAR)'
    assert described["studies"]["organizations"] == "VARCHAR[]" and described["findings"]["conflict"] == "BOOLEAN"
    # an empty output file gives an empty table of the same columns
    (out / "findings.jsonl").write_text("", encoding="utf-8")
    assert main(["export", "--out", str(out), "--duckdb", str(db)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 0
        assert dict((r[0], r[1]) for r in con.execute("DESCRIBE findings").fetchall()) == described["findings"]
    finally:
        con.close()
    assert main(["export", "--out", str(tmp_path / "nothing"), "--duckdb", str(db)]) == 2


def test_export_column_types_come_from_the_schema():
    from typing import Literal

    from pydantic import BaseModel

    from flows.export import duckdb_type
    from schemas.records import Kind, Span

    assert duckdb_type(int | None) == "BIGINT"
    assert duckdb_type(list[float]) == "DOUBLE[]"
    assert duckdb_type(Kind | None) == "VARCHAR"
    assert duckdb_type(Literal["set", "add"]) == "VARCHAR"
    assert duckdb_type(Span) == 'STRUCT("start" BIGINT, "end" BIGINT)'

    class Later(BaseModel):  # a field type the export cannot store is an error, not a guess
        extra: dict[str, int]

    with pytest.raises(TypeError, match="no DuckDB column type"):
        duckdb_type(Later.model_fields["extra"].annotation)


def test_figures_sharing_only_their_unit_are_two_findings():
    text = (
        "Retourneren kost geld\n4 juni 2024\n\n"
        "Onderzoeksbureau Pakketpeil ondervroeg klanten en webwinkels. "
        "Een retourzending van 5 euro vinden klanten te duur. "
        "Een retourzending kost de webwinkel 5 euro."
    )
    _extracted, _groups, _ids, findings = _extract_corpus({"r1": text})
    money = [f for f in findings if f["kind"] == "money"]
    assert len(money) == 2, money


@pytest.mark.usefixtures("prefect_harness")
def test_editors_corrections_reach_studies_and_findings(studies_copy, tmp_path):
    import hashlib

    out = tmp_path / "out"
    run_flow(studies_copy, out)
    metrics = read_jsonl(out / "metrics.jsonl")
    wrong = next(m for m in metrics if m["article_id"] == "b_servicenieuws" and m["text"] == "47 procent")
    moved = next(m for m in metrics if m["article_id"] == "c_webwinkelbode" and m["text"] == "41 procent")
    sha = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in studies_copy.glob("*.txt")}
    corrections = [
        {"article_id": wrong["article_id"], "sha256": sha[wrong["article_id"]], "span": wrong["span"], "action": "reject",
         "at": "2026-11-23T10:00:00Z"},
        {"article_id": moved["article_id"], "sha256": sha[moved["article_id"]], "span": moved["span"], "action": "set",
         "fields": {"source": {"organization": "Peilwijzer", "report": None, "person": None}}, "at": "2026-11-23T10:01:00Z"},
    ]
    (studies_copy / "corrections.jsonl").write_text("".join(json.dumps(c) + "\n" for c in corrections), encoding="utf-8")
    run_flow(studies_copy, out)
    assert not any(f["conflict"] for f in read_jsonl(out / "findings.jsonl"))  # the wrong figure was rejected
    after = {m["id"]: m for m in read_jsonl(out / "metrics.jsonl")}
    assert wrong["id"] not in after
    assert after[moved["id"]]["study_id"] is None  # its article reports no study of Peilwijzer
    studies = {s["organizations"][0]: s for s in read_jsonl(out / "studies.jsonl")}
    assert studies["Peilwijzer"]["n_mentions"] == 6 and studies["Marktmeter"]["n_mentions"] == 2
    fresh = tmp_path / "fresh"
    run_flow(studies_copy, fresh, full=True)
    assert _snapshot(out) == _snapshot(fresh)
