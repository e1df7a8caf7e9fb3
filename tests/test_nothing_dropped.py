"""Nothing dropped silently: a figure off its scale ends as a coded rejection, never as nothing.

Range checks live in validation (``schemas.records.MetricMention``): the extractor keeps a
number a KPI governs as that KPI's score even when its value fits no scale, and the
validator rejects it with the rule it breaks, so it reaches ``rejected.jsonl``.
"""

from __future__ import annotations

import json

import pytest

from pipeline.candidates import find_candidates
from pipeline.metrics import governing_score_term, metric_terms
from pipeline.extract import Extraction, extract_text, validate_into
from pipeline.nlp import get_nlp
from schemas.records import Rejection


def _code(reason: str) -> str:
    return reason.partition(": ")[0]


def validated(**over) -> Extraction:
    """One candidate of the figure '64' through the extractor's validation."""
    result = Extraction()
    candidate = {"id": "x", "article_id": "a", "span": {"start": 0, "end": 2}, "text": "64", "sentence": "64",
                 "kind": "percentage", "value": 64.0, "unit": "percent", "rule": "test", **over}
    validate_into(result, "64", candidate)
    return result


@pytest.mark.parametrize(
    "sentence,text,code",
    [
        ("De NPS van de webwinkel is +130.", "+130", "nps_out_of_range"),
        ("Volgens het panel steeg de Net Promoter Score van de bank naar +130.", "+130", "nps_out_of_range"),
        ("De NPS van de verzekeraar zakte van -20 naar -140.", "-140", "nps_out_of_range"),
        ("Het warenhuis haalt een NPS van +21. De bouwmarkt volgt met een score van 140.", "140", "nps_out_of_range"),
        ("Klanten geven de bezorgdienst gemiddeld een 12.", "12", "grade_out_of_range"),
        ("Reizigers beoordelen de vervoerder met een 11,5.", "11,5", "grade_out_of_range"),
        ("Het klanttevredenheidscijfer van de gemeente kwam uit op 12,4.", "12,4", "grade_out_of_range"),
        ("De tevredenheidsindex van de energiesector kwam uit op 130,5.", "130,5", "score_out_of_range"),
        ("De CES van de helpdesk is 145.", "145", "score_out_of_range"),
        ("Maar liefst 140 procent van de bezoekers kwam terug.", "140 procent", "share_out_of_range"),
    ],
)
def test_a_figure_off_its_scale_is_a_coded_rejection(sentence, text, code):
    result = extract_text(sentence)
    assert text not in [m["text"] for m in result.mentions]
    rejected = [r for r in result.rejections if r["candidate"]["text"] == text]
    assert len(rejected) == 1, result.rejections
    (r,) = rejected
    assert _code(r["reason"]) == code, r["reason"]
    assert sentence[r["span"]["start"] : r["span"]["end"]] == text
    # the line rejected.jsonl gets is a valid record with its span and candidate
    Rejection.model_validate({"article_id": "example", "path": "example.txt", "level": "mention", **r})


def test_the_same_kpi_on_its_scale_is_a_mention():
    result = extract_text("De NPS van de verzekeraar zakte van -20 naar -14.")
    assert [(m["text"], m["metric"]) for m in result.mentions] == [("-20", "nps"), ("-14", "nps")]
    assert result.rejections == []


@pytest.mark.parametrize(
    "sentence,text,kind",
    [
        # a growth figure may pass 100 percent; it is a change, not a share
        ("De omzet van de webwinkel groeide met 140 procent.", "140 procent", "percentage_change"),
        # a number a rule claimed keeps its kind beside a KPI, whatever the KPI's scale
        ("De NPS werd gemeten onder 130 klanten.", "130", "count"),
    ],
)
def test_figures_beyond_a_scale_that_are_no_score_stay_mentions(sentence, text, kind):
    result = extract_text(sentence)
    assert [(m["text"], m["kind"]) for m in result.mentions] == [(text, kind)]
    assert result.rejections == []


TEXT = """Klantonderzoek bij de bank

De Net Promoter Score van de bank steeg dit jaar naar +130, meldt het bureau.
De NPS van de concurrent lag op +12. Klanten geven de app een 14 en de website een 7,5.
Het tevredenheidscijfer van de balie kwam uit op 13,2 en dat van de chat op 6,8.
"""


def test_every_number_a_kpi_governs_ends_as_mention_or_rejection():
    """The structural promise: each bare numeral a score KPI governs is accounted for."""
    doc = get_nlp()(TEXT)
    _cands, bare = find_candidates(doc)
    terms = metric_terms(doc)
    governed = [(doc[i].idx, doc[i].idx + len(doc[i].text)) for i in bare if governing_score_term(doc, i, terms)]
    doc.user_data.clear()
    assert [TEXT[a:b] for a, b in governed] == ["+130", "+12", "13,2", "6,8"]
    result = extract_text(TEXT)
    accounted = {(m["span"]["start"], m["span"]["end"]) for m in result.mentions}
    accounted |= {(r["span"]["start"], r["span"]["end"]) for r in result.rejections}
    assert set(governed) <= accounted
    codes = sorted((r["candidate"]["text"], _code(r["reason"])) for r in result.rejections)
    assert codes == [("+130", "nps_out_of_range"), ("13,2", "grade_out_of_range"), ("14", "grade_out_of_range")]


@pytest.mark.usefixtures("prefect_harness")
def test_rejected_jsonl_gets_the_off_scale_figure(tmp_path):
    from flows.extract_flow import extract_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bank.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    extract_corpus(corpus=str(corpus), out=str(out), report=False)
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((r["level"], r["candidate"]["text"], _code(r["reason"])) for r in rejected) == [
        ("mention", "+130", "nps_out_of_range"),
        ("mention", "13,2", "grade_out_of_range"),
        ("mention", "14", "grade_out_of_range"),
    ]
    (article,) = [json.loads(x) for x in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert article["n_rejected"] == 3
    mentions = [json.loads(x)["text"] for x in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    assert mentions == ["+12", "7,5", "6,8"]


@pytest.mark.parametrize(
    "kind,metric,unit,value,code",
    [
        ("score", None, "grade", 12.0, "grade_out_of_range"),  # a grade is 1..10 whoever gives it
        ("score", "ces", "points", 130.0, "score_out_of_range"),
        ("score", "csat", "points", -2.0, "score_out_of_range"),
        ("score", "customer_satisfaction", "points", 101.0, "score_out_of_range"),
        ("score", "ces", "points", 45.0, None),  # an index of 0..100 beside the KPI's own scale
        ("score", "customer_satisfaction", "points", 65.92, None),
        ("score", "nps", "points", -100.0, None),
    ],
)
def test_scales_are_checked_in_validation(kind, metric, unit, value, code):
    result = validated(kind=kind, metric=metric, unit=unit, value=value)
    assert [_code(r["reason"]) for r in result.rejections] == ([code] if code else [])
    assert len(result.mentions) == (0 if code else 1)


@pytest.mark.parametrize(
    "over,code",
    [
        ({"kind": "scores"}, "invalid_kind"),  # checks pydantic makes itself carry a code too
        ({"published": "maart 2021"}, "invalid_published"),
        ({"source": {"organisation": "Klantpeil"}}, "invalid_source_organisation"),
        ({"kind": "percentage", "unit": "percent", "value": 140.0}, "share_out_of_range"),
    ],
)
def test_every_rejection_reason_starts_with_a_code(over, code):
    (r,) = validated(**over).rejections
    assert _code(r["reason"]) == code, r["reason"]
    assert r["reason"].partition(": ")[2].strip()
