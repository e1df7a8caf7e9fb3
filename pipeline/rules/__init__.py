"""Rule files: patterns and word tables as data, each with its own examples.

Every ``*.yaml`` here loads through the strict models below: an unknown key is
an error at start-up, not a silent no-op. A rule carries positive examples
(the mentions it must produce) and negatives (sentences where it must produce
nothing of its kind); ``tests/test_rule_examples.py`` runs them all, so adding
a Dutch phrasing is one line of pattern plus one line of example.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

RULES_DIR = Path(__file__).resolve().parent


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expected(_Strict):
    """A mention an example must produce (only the fields given are checked)."""

    text: str
    value: float | None = None
    kind: str | None = None
    unit: str | None = None
    qualifier: str | None = None
    metric: str | None = None
    year: int | None = None
    source: str | None = None


class Example(_Strict):
    text: str
    value: float | None = None  # for numerals.yaml: the value of the numeral
    expect: list[Expected] = Field(default_factory=list)
    published: str | None = None  # for published.yaml: expected YYYY-MM(-DD)
    title: str | None = None  # for article examples: a title line to prepend


class Rule(_Strict):
    """One pattern: a readable id, a spaCy token pattern, what it makes."""

    id: str
    kind: str | None = None
    label: str | None = None
    pattern: list[dict[str, Any]] | str
    unit: str | None = None
    priority: int = 0
    sign: int = 1  # -1 for a fall: 'daalde met 12 procent' -> -12
    scale: float = 1.0  # '25 cent' -> 0.25 EUR
    mention: str = "first"  # which numeral of the match is the mention: first | last
    requires: str | None = None  # regex the sentence (lower case) must match
    excludes: str | None = None  # regex the sentence (lower case) must not match
    note: str | None = None
    examples: list[Example] = Field(default_factory=list)
    negatives: list[str] = Field(default_factory=list)


class RuleFile(_Strict):
    description: str
    tables: dict[str, Any] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)
    negatives: list[str] = Field(default_factory=list)


def rule_files() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.yaml"))


@lru_cache(maxsize=None)
def load_rules(name: str) -> RuleFile:
    path = RULES_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    try:
        return RuleFile.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError, re-raised with the file named
        raise ValueError(f"invalid rule file {path.name}: {exc}") from exc
