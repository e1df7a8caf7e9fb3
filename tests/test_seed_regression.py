"""Regression on the gold sets beside the project: the seed gold (../shared/gold) and the
development set (../shared/dev). Fails when a measure drops below its floor.

The targets are issue 11's. Where a set does not reach a target yet, the floor is the
level measured when this file was last changed (a ratchet: raise it when the extractor
improves, never lower it), and the target itself is a strict xfail, so reaching it turns
the run red until the floor is raised to the target here. Each set skips, with its
reason, when its folder is not beside the checkout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.io import read_jsonl
from pipeline.article import build_article
from pipeline.evaluate import score
from pipeline.extract import extract

from .conftest import CORPUS, GOLD

DEV = GOLD.parent / "dev"
SETS = {"seed": (CORPUS, GOLD), "dev": (DEV / "corpus", DEV / "gold")}

TARGETS = {
    "precision": 0.97,
    "recall": 0.97,
    "kind": 0.97,
    "source": 0.95,
    "qualifier": 0.95,
    "metric": 0.95,
    "year": 0.90,
    "published": 1.0,
}
# measured floors where a target is not reached yet (see the module docstring)
# dev: measured 2026-12-04 on all 80 articles (issue 23): recall 0.914, source 0.855, year 0.841,
# published 78/80; precision 0.975, kind 0.991, qualifier 0.992, metric 0.962 reach their targets
FLOORS = {
    "seed": {},
    "dev": {"recall": 0.91, "source": 0.85, "year": 0.84, "published": 0.975},
}


_REPORTS: dict[str, object] = {}


def _report(name: str):
    corpus, gold = SETS[name]
    if not (gold / "mentions.jsonl").exists():
        pytest.skip(f"{gold} is not beside the project")
    if name not in _REPORTS:
        pred, arts = [], []
        for path in sorted(corpus.glob("*.txt")):
            art = build_article(path.name, path.read_bytes())
            pred += extract(art).mentions
            arts.append({"article_id": art.article_id, "published": art.published})
        _REPORTS[name] = score(pred, read_jsonl(gold / "mentions.jsonl"), read_jsonl(gold / "articles.jsonl"), arts)
    return _REPORTS[name]


def _value(report, measure: str) -> float:
    if measure in ("precision", "recall"):
        return getattr(report, measure)
    if measure == "published":
        return report.published_accuracy
    return report.accuracy(measure)


def _errors(report, measure: str) -> list[dict]:
    kinds = {"precision": "spurious", "recall": "missed", "published": "wrong_published"}
    wanted = kinds.get(measure, f"wrong_{measure}")
    return [e for e in report.errors() if e["type"] == wanted][:8]


def _cases(kind: str):
    for name in SETS:
        for measure, target in TARGETS.items():
            floor = FLOORS[name].get(measure)
            if kind == "floor":
                yield pytest.param(name, measure, floor if floor is not None else target, id=f"{name}-{measure}")
            elif floor is not None:
                mark = pytest.mark.xfail(strict=True, reason=f"{name} {measure}: target {target} not reached yet")
                yield pytest.param(name, measure, target, id=f"{name}-{measure}", marks=mark)


@pytest.mark.parametrize(("name", "measure", "floor"), list(_cases("floor")))
def test_measure_holds(name, measure, floor):
    report = _report(name)
    value = _value(report, measure)
    assert value >= floor, f"{name} {measure} {value:.3f} < {floor}: {_errors(report, measure)}"


@pytest.mark.parametrize(("name", "measure", "target"), list(_cases("target")))
def test_target_reached(name, measure, target):
    report = _report(name)
    assert _value(report, measure) >= target
