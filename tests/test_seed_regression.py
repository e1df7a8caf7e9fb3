"""Regression on the seed gold: the targets of issue 3 must hold. Fails if any drops."""

from __future__ import annotations

import json

import pytest

from pipeline.article import build_article
from pipeline.evaluate import score
from pipeline.extract import extract

from .conftest import CORPUS, GOLD

TARGETS = {"precision": 0.97, "recall": 0.97}
ATTR_TARGETS = {"kind": 0.97, "source": 0.95, "qualifier": 0.95, "metric": 0.95, "year": 0.90}

pytestmark = pytest.mark.skipif(not (GOLD / "mentions.jsonl").exists(), reason="../shared/gold is not beside the project")


@pytest.fixture(scope="module")
def report():
    pred, arts = [], []
    for path in sorted(CORPUS.glob("*.txt")):
        art = build_article(path.name, path.read_bytes())
        pred += extract(art).mentions
        arts.append({"article_id": art.article_id, "published": art.published})
    gold = [json.loads(x) for x in (GOLD / "mentions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    gold_articles = [json.loads(x) for x in (GOLD / "articles.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    return score(pred, gold, gold_articles, arts)


@pytest.mark.parametrize("measure", sorted(TARGETS))
def test_mention_targets(report, measure):
    value = getattr(report, measure)
    assert value >= TARGETS[measure], f"{measure} {value:.3f} < {TARGETS[measure]}: {report.errors()[:10]}"


@pytest.mark.parametrize("attr", sorted(ATTR_TARGETS))
def test_attribute_targets(report, attr):
    value = report.accuracy(attr)
    errs = [e for e in report.errors() if e["type"] == f"wrong_{attr}"]
    assert value >= ATTR_TARGETS[attr], f"{attr} accuracy {value:.3f} < {ATTR_TARGETS[attr]}: {errs[:10]}"


def test_every_dated_article_gets_its_date(report):
    assert report.published_errors == []
