"""The kinds live in one place, the schema; the rule files, units and report colours derive from it."""

from __future__ import annotations

import ast
from pathlib import Path

from review.report import KIND_COLOURS
from pipeline.records import _UNITS
from pipeline.nlp import KIND_FILES
from pipeline.rules import load_rules
from schemas.records import KINDS, Kind, MetricMention

from .conftest import ROOT


def test_everything_takes_the_schemas_kinds():
    assert KINDS == tuple(k.value for k in Kind)
    assert MetricMention.model_fields["kind"].annotation is Kind
    assert KIND_FILES is KINDS  # one rule file per kind: pipeline/rules/<kind>.yaml
    assert list(KIND_COLOURS) == list(KINDS)  # the report's legend: every kind, in the schema's order
    assert set(_UNITS) <= set(KINDS)
    for kind in KINDS:
        rules = load_rules(kind).rules
        assert all((r.kind or kind) in KINDS for r in rules)


def test_no_second_list_of_kinds_in_the_code():
    """No tuple, list or set outside the schema spells out most of the kinds again, no dict maps them all."""
    found = []
    for path in sorted([*ROOT.glob("pipeline/**/*.py"), *ROOT.glob("flows/*.py"), *ROOT.glob("review/*.py"), *ROOT.glob("schemas/*.py")]):
        if path == ROOT / "schemas" / "records.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None) if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else None
            if not items:
                continue
            names = {i.value for i in items if isinstance(i, ast.Constant) and i.value in KINDS}
            # an enumeration of the kinds (not a condition on a few), or a map over all of them
            if len(names) == len(KINDS) or (not isinstance(node, ast.Dict) and len(names) > len(KINDS) // 2):
                found.append(f"{Path(path).relative_to(ROOT)}:{node.lineno} {sorted(names)}")
    assert found == []
