"""How a mention record's derived fields are made: its id and its unit.

Shared by extraction (``pipeline.extract``) and the editors' corrections
(``pipeline.corrections``), which the main process applies while it writes the
output: so this module is light (no spaCy).
"""

from __future__ import annotations

import hashlib

from schemas.records import Kind


def mention_id(article_id: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{article_id}|{start}|{end}|{text}".encode()).hexdigest()[:20]


_UNITS = {  # the kinds with one fixed unit, named by the schema's Kind (a kind it lacks fails at import)
    Kind.percentage.value: "percent",
    Kind.percentage_point.value: "percentage_point",
    Kind.percentage_change.value: "percent",
    Kind.multiplier.value: "times",
}


def unit_for(kind: str, cand_unit: str | None, metric: str | None) -> str | None:
    """A mention's unit: fixed by its kind, else the scale its rule or marker named."""
    if kind in _UNITS:
        return _UNITS[kind]
    if kind == "score":
        if cand_unit in ("stars", "grade", "points"):  # a rule may name its scale (score.index: points)
            return cand_unit
        return "grade" if metric == "customer_satisfaction" else "points"
    if kind == "count":
        return None
    if kind == "ratio":
        return "ratio"
    return cand_unit
