"""Rule files: patterns and word tables as data, each with its own examples.

Every ``*.yaml`` here loads through the strict models below, and a bad file
stops the start-up with one line naming the file and the field:

- an unknown key is an error, not a silent no-op;
- a rule's ``kind`` must be one of the schema's kinds (``schemas.records.KINDS``);
- a file holds exactly the tables declared for it in ``TABLES`` (a misspelt or
  missing table name is an error at load), and code asking for a table its file
  does not hold gets an error naming the file, never a bare ``KeyError``;
- every entry of a word table, and every word a token pattern matches, is a
  string: YAML reads an unquoted ``no``, ``yes``, ``on`` or ``off`` as a boolean,
  which would never match a word, so it is an error that says to quote it;
- regular expressions (``requires``, ``excludes``, ``REGEX`` in token patterns,
  tables declared as regexes) are compiled at load.

A rule carries positive examples (the mentions it must produce) and negatives
(sentences where it must produce nothing of its kind);
``tests/test_rule_examples.py`` runs them all, so adding a Dutch phrasing is
one line of pattern plus one line of example.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from schemas.records import KINDS, Metric

RULES_DIR = Path(__file__).resolve().parent


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message is one line naming the file and the field."""


def _not_string(value: Any) -> str | None:
    """Why a word or regex is not one: YAML turns some unquoted words into booleans (``no`` -> False)."""
    if isinstance(value, str):
        return None
    hint = " (YAML reads an unquoted no, yes, on, off, true or false as a boolean: quote it)" if isinstance(value, bool) else ""
    return f"{value!r} is not a string{hint}"


def _not_regex(pattern: Any) -> str | None:
    """Why a regular expression is not one, or None."""
    if _not_string(pattern):
        return _not_string(pattern)
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression ({exc})"
    return None


def _checked(problem_of):
    """A pydantic validator from a function that says what is wrong with a value (or None)."""

    def check(value: Any) -> Any:
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value

    return check


def _is_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"{kind!r} is not a kind (kinds: {', '.join(KINDS)})")
    return kind


def _is_metric(metric: str) -> str:
    if metric not in {m.value for m in Metric}:
        raise ValueError(f"{metric!r} is not a metric (metrics: {', '.join(m.value for m in Metric)})")
    return metric


Word = Annotated[str, BeforeValidator(_checked(_not_string))]
Regex = Annotated[str, BeforeValidator(_checked(_not_regex))]
KindName = Annotated[str | None, AfterValidator(_is_kind)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClauseRule(_Strict):
    """metrics.yaml ``clause_rules``: a clause matching all regexes names the metric."""

    metric: Annotated[Word, AfterValidator(_is_metric)]
    all: list[Regex]


# The tables each rule file may hold, and the shape each must have. A table not listed
# for its file is a misspelling (or needs declaring here); a file not listed holds none.
MetricName = Annotated[Word, AfterValidator(_is_metric)]
WORDS, REGEX = list[Word], Regex
TABLES: dict[str, dict[str, Any]] = {
    "count": {"not_count_words": WORDS, "population_nouns": WORDS, "not_event_words": WORDS, "unit_words": WORDS},
    "duration": {"time_units": WORDS, "service_words": REGEX},
    "exclusions": {"months": WORDS, "name_prefixes": WORDS, "phone_regex": REGEX},
    "markers": {"after": dict[Word, Word], "before": dict[Word, Word]},
    "metrics": {
        "terms": dict[MetricName, WORDS],
        "link_words": WORDS,
        "grade_verbs": WORDS,
        "grade_adjectives": WORDS,
        "grade_customers": REGEX,
        "not_grade_followers": WORDS,
        "index_terms": WORDS,
        "score_nouns": WORDS,
        "clause_rules": list[ClauseRule],
    },
    "multiplier": {"comparatives": WORDS},
    "numbers": {
        "scale_words": dict[Word, float],
        "fraction_words": dict[Word, float],
        "standalone_fractions": WORDS,
        "half_words": dict[Word, float],
        "not_number_words": WORDS,
        "fraction_not_before": WORDS,
        "one_before": WORDS,
        "occasion_nouns": WORDS,
        "multiply_words": dict[Word, float],
        "duration_units": dict[Word, float],
    },
    "percentage_change": {
        "rise_nouns": REGEX,
        "fall_nouns": REGEX,
        "rise_verbs": WORDS,
        "fall_verbs": WORDS,
        "qualifier_words": WORDS,
    },
    # regex parts with '{{name}}' placeholders, expanded (and compiled) by pipeline.article
    "published": {"parts": dict[Word, Word], "patterns": list[dict[Word, Word]], "head_chars": int, "month_numbers": dict[Word, Annotated[int, Field(ge=1, le=12)]]},
    "qualifiers": {"before": dict[Word, Word], "after": dict[Word, Word], "skip": WORDS},
    "ratio": {"ratio_words": REGEX},
    "sources": {
        name: WORDS
        for name in (
            "cue_nouns", "report_nouns", "org_descriptors", "speech_verbs",
            "org_attribution_verbs", "people_cues", "role_cues", "poll_words", "not_organizations",
            "org_words", "abbreviations", "org_noun_endings", "commission_markers", "executor_markers",
            "inverted_general_verbs", "registry_nouns", "first_person",
            "dating_phrases", "earlier_words", "sample_verbs", "non_names", "published_in", "title_compound_endings",
            "institution_endings", "ministers", "places", "presenting_lemmas", "own_publication",
            "research_lemmas", "registry_lemmas", "maker_prepositions", "commissioner_prepositions",
            "topic_prepositions", "name_determiners", "clause_openers", "first_person_words", "first_person_lemmas",
        )
    }
    | {"irregular_verbs": dict[Word, WORDS]},
    # pipeline/study_details.py (method, population) and pipeline/corpus_studies.py (statement words)
    "study_details": {
        "methods": dict[str, list[Regex]],
        "population_nouns": WORDS,
        "generic_participants": WORDS,
        "sample_cues": WORDS,
        "sample_qualifiers": WORDS,
        "statement_ignore": WORDS,
    },
    "years": {
        "relative": dict[Word, int],
        "previous_of_explicit": WORDS,
        "next_of_explicit": WORDS,
        "base_markers": WORDS,
        "period_markers": WORDS,
        "now_words": WORDS,
        "edition_words": WORDS,
        "year_on_year": WORDS,
        "recent_words": WORDS,
        "recent_units": WORDS,
    },
}


class Expected(_Strict):
    """A mention an example must produce (only the fields given are checked)."""

    text: str
    value: float | None = None
    kind: KindName = None
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
    method: str | None = None  # for study_details.yaml: the study method the sentence states
    population: str | None = None  # for study_details.yaml: the population the sentence states


def _token_regexes(token: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every ``REGEX`` value in a token pattern, with where it stands ('LOWER.REGEX')."""
    found = []
    if isinstance(token, dict):
        for key, val in token.items():
            here = f"{path}.{key}" if path else str(key)
            if key == "REGEX":
                found.append((here, val))
            else:
                found.extend(_token_regexes(val, here))
    return found


_WORD_ATTRS = ("ORTH", "TEXT", "LOWER", "NORM", "LEMMA")


def _token_words(token: Any) -> list[tuple[str, Any]]:
    """Every word a token pattern matches on (``LOWER: x``, ``LOWER: {IN: [...]}``), with where it stands."""
    found: list[tuple[str, Any]] = []
    if not isinstance(token, dict):
        return found
    for attr in _WORD_ATTRS:
        if attr not in token:
            continue
        val = token[attr]
        if isinstance(val, dict):
            for op in ("IN", "NOT_IN"):
                found += [(f"{attr}.{op}[{n}]", w) for n, w in enumerate(val.get(op) or [])]
        else:
            found.append((attr, val))
    return found


class Rule(_Strict):
    """One pattern: a readable id, a spaCy token pattern, what it makes."""

    id: str
    kind: KindName = None
    label: str | None = None
    # a token pattern, or "context": found by a context rule in code (pipeline/metrics.py)
    pattern: list[dict[str, Any]] | Literal["context"]
    unit: str | None = None
    priority: int = 0
    sign: Literal[1, -1] = 1  # -1 for a fall: 'daalde met 12 procent' -> -12
    scale: float = 1.0  # '25 cent' -> 0.25 EUR
    mention: Literal["first", "last"] = "first"  # which numeral of the match is the mention
    requires: Regex | None = None  # regex the sentence (lower case) must match
    excludes: Regex | None = None  # regex the sentence (lower case) must not match
    note: str | None = None
    examples: list[Example] = Field(default_factory=list)
    negatives: list[str] = Field(default_factory=list)

    @field_validator("pattern")
    @classmethod
    def _regexes_compile(cls, pattern):
        if isinstance(pattern, str):
            return pattern
        for k, token in enumerate(pattern):
            checks = [(w, _not_string(v)) for w, v in _token_words(token)] + [(w, _not_regex(v)) for w, v in _token_regexes(token)]
            for where, problem in checks:
                if problem:
                    raise ValueError(f"token {k} {where}: {problem}")
        return pattern


class Tables(dict):
    """A rule file's tables; asking for one it does not have names the file."""

    def __init__(self, file: str, tables: dict) -> None:
        super().__init__(tables)
        self.file = file

    def __missing__(self, key):
        raise UnknownTable(f"rule file {self.file} has no table {key!r} (tables: {', '.join(self) or 'none'})")


class UnknownTable(KeyError):
    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


class RuleFile(_Strict):
    description: str
    tables: dict[str, Any] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)
    negatives: list[str] = Field(default_factory=list)


def rule_files() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.yaml"))


def _where(loc: tuple, data: Any) -> str:
    """('rules', 2, 'kind') -> 'rules[2].kind (rule score.bare)'."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark for a mapping's key: 'after.False (key)'
            out += " (key)"
        elif isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        try:
            out += f" (rule {data['rules'][loc[1]]['id']})"
        except (KeyError, IndexError, TypeError):
            pass
    return out


def _message(err: dict) -> str:
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown key"
    return msg


def _table_problems(file: str, tables: Any) -> list[str]:
    if not isinstance(tables, dict):
        return []  # the model reports it
    known = TABLES.get(file, {})
    problems = [
        f"tables.{name}: missing (declared for {file}.yaml in TABLES in pipeline/rules/__init__.py)" for name in known if name not in tables
    ]
    for name, value in tables.items():
        if name not in known:
            hint = f"known tables: {', '.join(known)}" if known else "this file declares no tables"
            problems.append(f"tables.{name}: unknown table ({hint}; declare new ones in TABLES in pipeline/rules/__init__.py)")
            continue
        try:
            TypeAdapter(known[name]).validate_python(value)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(f"{_where(('tables', name, *err['loc']), None)}: {_message(err)}")
    return problems


def load_rule_file(path: Path) -> RuleFile:
    """Load and check one rule file; any problem raises one ``RuleFileError`` naming the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError(f"cannot read rule file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RuleFileError(f"invalid rule file {path.name}: not valid YAML{at}: {problem}") from None
    if not isinstance(data, dict):
        raise RuleFileError(f"invalid rule file {path.name}: expected a mapping with description, tables, rules")
    problems = []
    rule_file = None
    try:
        rule_file = RuleFile.model_validate(data)
    except ValidationError as exc:
        problems += [f"{_where(tuple(e['loc']), data)}: {_message(e)}" for e in exc.errors()]
    problems += _table_problems(path.stem, data.get("tables", {}))
    if problems or rule_file is None:
        raise RuleFileError(f"invalid rule file {path.name}: " + "; ".join(problems).replace("\n", " "))
    return rule_file.model_copy(update={"tables": Tables(path.name, rule_file.tables)})


@lru_cache(maxsize=None)
def load_rules(name: str) -> RuleFile:
    return load_rule_file(RULES_DIR / f"{name}.yaml")


def load_all_rules() -> None:
    """Load every rule file now (the command line does, before a run starts): a bad one raises
    its one-line ``RuleFileError`` here, not in the middle of a run."""
    for name in rule_files():
        load_rules(name)
