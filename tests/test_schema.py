"""The JSON Schema is committed, current, and describes what the extractor writes."""

from __future__ import annotations

import inspect
import json

import jsonschema
import pytest

from pipeline.article import build_article
from pipeline.extract import Extraction, extract, validate_into
from schemas.export import SCHEMA_DIR, main as export_main, schema_documents
from schemas.records import KINDS, RECORD_MODELS, SCHEMA_VERSION, MetricMention, Rejection

from .conftest import CORPUS


def test_committed_schema_is_current():
    for name, text in schema_documents().items():
        committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run `python -m schemas.export`"
    assert export_main(["--check"]) == 0


def _committed(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(RECORD_MODELS))
def test_field_docs_reach_the_schema(name):
    """Every field of every record is documented, and its description is in the committed schema."""
    model, schema = RECORD_MODELS[name], _committed(name)
    assert schema["description"] == inspect.cleandoc(model.__doc__)
    assert set(schema["properties"]) == set(model.model_fields)
    for field, info in model.model_fields.items():
        assert info.description, f"{name}.{field} has no description"
        assert schema["properties"][field]["description"] == info.description, field


def test_kinds_in_the_schema_are_the_one_list():
    schema = _committed("metric_mention")
    ref = schema["properties"]["kind"]["$ref"]
    assert ref == "#/$defs/Kind"
    assert schema["$defs"]["Kind"]["enum"] == list(KINDS)
    span = schema["$defs"]["Span"]
    assert span["description"].startswith("Character offsets into the decoded article text")
    assert span["required"] == ["start", "end"] and span["properties"]["start"]["minimum"] == 0


@pytest.fixture(scope="module")
def corpus_records():
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        art = build_article(path.name, path.read_bytes())
        out.append((art, extract(art)))
    return out


def test_every_record_validates_against_committed_schema(corpus_records):
    schema = _committed("metric_mention")
    n = 0
    for art, result in corpus_records:
        assert result.mentions, f"{art.article_id}: no mentions"  # every seed article states figures
        for rec in result.mentions:
            jsonschema.validate(rec, schema)
            assert art.text[rec["span"]["start"] : rec["span"]["end"]] == rec["text"]
            assert rec["article_id"] == art.article_id and rec["schema_version"] == SCHEMA_VERSION
            n += 1
    assert n == sum(len(result.mentions) for _art, result in corpus_records)


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
    candidate = _candidate(**over)
    validate_into(result, "64 procent", candidate)
    assert result.mentions == []
    (rejection,) = result.rejections
    assert rejection["span"] == candidate["span"] and rejection["candidate"] == candidate
    # the code of the rule broken, then a readable explanation
    code, _, why = rejection["reason"].partition(": ")
    assert code == reason and why.strip(), rejection["reason"]
    Rejection.model_validate({"article_id": "a", "path": "a.txt", "level": "mention", **rejection})


def test_span_mismatch_is_rejected():
    result = Extraction()
    validate_into(result, "65 procent", _candidate())
    assert result.mentions == []
    (rejection,) = result.rejections
    assert rejection["reason"].partition(": ")[0] == "span_mismatch"


def test_valid_candidate_passes():
    result = Extraction()
    candidate = _candidate()
    validate_into(result, "64 procent", candidate)
    assert result.rejections == []
    (mention,) = result.mentions
    # every field of the record, in the model's order; what the candidate said is kept as said
    assert list(mention) == list(MetricMention.model_fields)
    assert {k: mention[k] for k in candidate} == candidate
    assert mention["schema_version"] == SCHEMA_VERSION
    assert all(mention[k] is None for k in mention if k not in candidate and k != "schema_version")
    jsonschema.validate(mention, _committed("metric_mention"))
