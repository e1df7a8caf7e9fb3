"""Rule files are checked at load: a bad file stops start-up with one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rules import TABLES, RuleFileError, load_rule_file, load_rules, rule_files
from schemas.records import KINDS, Kind

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(RuleFileError) as info:
        load_rule_file(path)
    msg = str(info.value)
    assert "\n" not in msg, msg  # one line
    assert msg.startswith(f"invalid rule file {path.name}: "), msg
    return msg.removeprefix(f"invalid rule file {path.name}: ")


def test_every_declared_table_is_in_its_file_and_every_table_is_declared():
    assert set(TABLES) <= set(rule_files())
    for name in rule_files():
        assert set(load_rules(name).tables) == set(TABLES.get(name, {})), name


def test_a_declared_table_missing_from_its_file(tmp_path):
    path = write(tmp_path, "duration", "description: d\ntables: {time_units: [minuut]}\nrules: []\n")
    assert load_error(path) == "tables.service_words: missing (declared for duration.yaml in TABLES in pipeline/rules/__init__.py)"


def test_an_unquoted_no_in_a_word_table_says_to_quote_it(tmp_path):
    """YAML reads 'no' as False: a word that would never match, so the loader refuses it."""
    text = (Path(__file__).resolve().parent.parent / "pipeline" / "rules" / "exclusions.yaml").read_text(encoding="utf-8")
    bad = text.replace('nr., "no", no.', "nr., no, no.", 1)
    assert bad != text
    assert load_error(write(tmp_path, "exclusions", bad)) == (
        "tables.name_prefixes[3]: False is not a string (YAML reads an unquoted no, yes, on, off, true or false as a boolean: quote it)"
    )


@pytest.mark.parametrize(
    "tables,where,why",
    [
        # pydantic gives a False key as 0 in the location; the reason names the value
        ("{after: {procent: percent, off: x}, before: {}}", "tables.after[0] (key)", "False is not a string (YAML reads an unquoted"),
        ("{after: {procent: 12}, before: {}}", "tables.after.procent", "12 is not a string"),
    ],
)
def test_mappings_of_words_hold_strings(tmp_path, tables, where, why):
    msg = load_error(write(tmp_path, "markers", f"description: d\ntables: {tables}\nrules: []\n"))
    assert msg.startswith(f"{where}: {why}"), msg


def test_a_token_pattern_word_that_is_no_string(tmp_path):
    path = write(tmp_path, "count", "description: d\ntables: {not_count_words: [], population_nouns: [], not_event_words: [], unit_words: []}\n"
                 "rules:\n  - {id: c.x, kind: count, pattern: [{NORM: {IN: [num_digits]}}, {LOWER: {IN: [klanten, no]}}]}\n")
    assert load_error(path) == (
        "rules[0].pattern (rule c.x): token 1 LOWER.IN[1]: False is not a string "
        "(YAML reads an unquoted no, yes, on, off, true or false as a boolean: quote it)"
    )


def test_each_kind_has_its_rule_file():
    assert set(KINDS) == {k.value for k in Kind} and set(KINDS) <= set(rule_files())


def test_a_kind_that_is_not_a_kind(tmp_path):
    path = write(tmp_path, "score", "description: d\ntables: {}\nrules:\n"
                 "  - {id: score.x, kind: scores, pattern: [{NORM: {IN: [num_digits]}}]}\n")
    assert load_error(path) == f"rules[0].kind (rule score.x): 'scores' is not a kind (kinds: {', '.join(KINDS)})"


def test_an_example_expecting_a_kind_that_is_not_a_kind(tmp_path):
    path = write(tmp_path, "percentage", "description: d\ntables: {}\nrules:\n"
                 "  - id: t.one\n    pattern: [{NORM: {IN: [num_digits]}}, {LOWER: procent}]\n"
                 "    examples: [{text: '64 procent', expect: [{text: '64 procent', kind: percent}]}]\n")
    assert load_error(path).startswith("rules[0].examples[0].expect[0].kind (rule t.one): 'percent' is not a kind")


def test_a_misspelt_table_names_file_and_field(tmp_path):
    path = write(tmp_path, "ratio", "description: d\ntables: {ratio_wrds: 'verhouding|ratio'}\nrules: []\n")
    assert load_error(path) == (
        "tables.ratio_words: missing (declared for ratio.yaml in TABLES in pipeline/rules/__init__.py); "
        "tables.ratio_wrds: unknown table (known tables: ratio_words; declare new ones in TABLES in "
        "pipeline/rules/__init__.py)"
    )


def test_a_table_in_a_file_that_declares_none(tmp_path):
    path = write(tmp_path, "money", "description: d\ntables: {currencies: [eur]}\nrules: []\n")
    assert load_error(path).startswith("tables.currencies: unknown table (this file declares no tables;")


def test_code_asking_for_a_missing_table_names_the_file():
    with pytest.raises(KeyError) as info:
        load_rules("ratio").tables["ratio_wrds"]
    assert str(info.value) == "rule file ratio.yaml has no table 'ratio_wrds' (tables: ratio_words)"


@pytest.mark.parametrize(
    "rule,where",
    [
        ("{id: t.r, requires: 'wacht(', pattern: [{NORM: {IN: [num_digits]}}]}", "rules[0].requires (rule t.r): not a valid regular expression"),
        ("{id: t.r, excludes: '[a-', pattern: [{NORM: {IN: [num_digits]}}]}", "rules[0].excludes (rule t.r): not a valid regular expression"),
        ("{id: t.r, pattern: [{NORM: {IN: [num_digits]}}, {LOWER: {REGEX: '(daling'}}]}",
         "rules[0].pattern (rule t.r): token 1 LOWER.REGEX: not a valid regular expression"),
    ],
)
def test_rule_regexes_are_compiled_at_load(tmp_path, rule, where):
    path = write(tmp_path, "percentage", f"description: d\ntables: {{}}\nrules:\n  - {rule}\n")
    assert load_error(path).startswith(where)


def test_a_regex_table_is_compiled_at_load(tmp_path):
    path = write(tmp_path, "duration", "description: d\ntables: {time_units: [minuut], service_words: 'wacht|(respons'}\nrules: []\n")
    assert load_error(path).startswith("tables.service_words: not a valid regular expression (missing ), unterminated subpattern")


def test_clause_rules_name_known_metrics_and_compile(tmp_path):
    text = (Path(__file__).resolve().parent.parent / "pipeline" / "rules" / "metrics.yaml").read_text(encoding="utf-8")
    bad = text.replace("{metric: churn, all: [", "{metric: churnn, all: [\"(\", ", 1)
    assert bad != text
    msg = load_error(write(tmp_path, "metrics", bad))
    assert "tables.clause_rules[3].metric: 'churnn' is not a metric" in msg
    assert "tables.clause_rules[3].all[0]: not a valid regular expression" in msg


def test_an_unknown_key_and_a_placeholder_pattern(tmp_path):
    path = write(tmp_path, "score", "description: d\ntables: {}\nrules:\n"
                 "  - {id: s.a, patern: [{NORM: {IN: [num_digits]}}]}\n  - {id: s.b, pattern: contxt}\n")
    msg = load_error(path)
    assert "rules[0].patern (rule s.a): unknown key" in msg
    assert "rules[1].pattern.literal['context'] (rule s.b)" in msg


def test_yaml_that_does_not_parse(tmp_path):
    path = write(tmp_path, "ratio", "description: d\ntables: {ratio_words: 'x'\nrules: []\n")
    assert load_error(path).startswith("not valid YAML at line")


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(RuleFileError, match=r"^cannot read rule file .*nope\.yaml: No such file or directory$"):
        load_rule_file(tmp_path / "nope.yaml")
