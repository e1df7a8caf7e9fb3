"""The JSON Schema is committed, current, and describes what the extractor writes."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pipeline.article import build_article
from pipeline.extract import Extraction, extract, validate_into
from schemas.export import SCHEMA_DIR, main as export_main, schema_documents
from schemas.records import MetricMention

from .conftest import CORPUS


def test_committed_schema_is_current():
    for name, text in schema_documents().items():
        committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run `python -m schemas.export`"
    assert export_main(["--check"]) == 0


def test_field_docs_reach_the_schema():
    schema = json.loads((SCHEMA_DIR / "metric_mention.schema.json").read_text())
    assert "character offsets" in json.dumps(schema).lower() or "offsets" in json.dumps(schema)
    assert schema["properties"]["kind"]  # documented enum via $ref
    assert "description" in schema["properties"]["value"]


@pytest.fixture(scope="module")
def corpus_records():
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        art = build_article(path.name, path.read_bytes())
        out.append((art, extract(art)))
    return out


def test_every_record_validates_against_committed_schema(corpus_records):
    schema = json.loads((SCHEMA_DIR / "metric_mention.schema.json").read_text())
    n = 0
    for art, result in corpus_records:
        for rec in result.mentions:
            jsonschema.validate(rec, schema)
            assert art.text[rec["span"]["start"] : rec["span"]["end"]] == rec["text"]
            n += 1
    assert n > 100


def _candidate(**over):
    base = {
        "id": "x",
        "article_id": "a",
        "span": {"start": 0, "end": 2},
        "text": "64",
        "sentence": "64",
        "kind": "percentage",
        "value": 64.0,
        "unit": "percent",
        "rule": "test",
    }
    base.update(over)
    return base


@pytest.mark.parametrize(
    "over,reason",
    [
        ({"value": 140.0}, "share_out_of_range"),
        ({"kind": "score", "metric": "nps", "value": 140.0, "unit": "points"}, "nps_out_of_range"),
        ({"kind": "score", "metric": "customer_satisfaction", "value": 11.0, "unit": "grade"}, "grade_out_of_range"),
        ({"year": 1850}, "year_out_of_range"),
        ({"kind": "count", "value": -3.0, "unit": None}, "negative_value"),
    ],
)
def test_invalid_candidates_are_rejected_with_their_rule(over, reason):
    result = Extraction()
    validate_into(result, "64 procent", _candidate(**over))
    assert result.mentions == []
    assert result.rejections and result.rejections[0]["reason"].startswith(reason)


def test_span_mismatch_is_rejected():
    result = Extraction()
    validate_into(result, "65 procent", _candidate())
    assert result.rejections[0]["reason"].startswith("span_mismatch")


def test_valid_candidate_passes():
    result = Extraction()
    validate_into(result, "64 procent", _candidate())
    assert result.rejections == [] and MetricMention.model_validate(result.mentions[0])
