"""The cache key (``extractor_version``) covers everything that can change the output.

Each input is changed in turn in a copy of the project (or the library version the
key reads is faked) and the key must change; then, through the real flow, a change
that alters the output is followed by an incremental run that must equal ``--full``.
"""

from __future__ import annotations

import platform
import shutil
from importlib import metadata
from pathlib import Path

import pytest

import pipeline.version as version_mod
import schemas.records
from pipeline.version import KEY_FILES, KEY_LIBRARIES, KEY_NOT_EXTRACTION, extractor_version

from .conftest import ROOT

OUTPUTS = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")


def key() -> str:
    return extractor_version.__wrapped__()  # uncached: read the inputs now


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the project's code and rule files that the key reads instead of the real one."""
    root = tmp_path / "project"
    for sub in ("pipeline", "schemas", "flows"):
        shutil.copytree(ROOT / sub, root / sub, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "README.md", root / "README.md")
    monkeypatch.setattr(version_mod, "KEY_ROOT", root)
    extractor_version.cache_clear()
    yield root
    extractor_version.cache_clear()


def key_inputs(root: Path) -> list[str]:
    found = {p.relative_to(root).as_posix() for g in KEY_FILES for p in root.glob(g) if p.is_file()}
    return sorted(found - set(KEY_NOT_EXTRACTION))


def test_the_key_reads_the_code_the_rules_and_the_schema(tree):
    inputs = key_inputs(tree)
    for must in ("pipeline/extract.py", "pipeline/rules/__init__.py", "pipeline/rules/percentage.yaml",
                 "schemas/records.py", "flows/extract_flow.py", "flows/io.py"):
        assert must in inputs
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").rglob("*.py") if "__pycache__" not in p.parts} <= set(inputs)
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").glob("*.py")} <= set(inputs)
    assert not any(rel.startswith(("tests/", "bench/")) or rel in KEY_NOT_EXTRACTION for rel in inputs)


def test_changing_any_input_file_changes_the_key(tree):
    base = key()
    assert key() == base  # deterministic
    for rel in key_inputs(tree):
        path = tree / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert key() != base, f"changing {rel} does not change the cache key"
        path.write_bytes(original)
    assert key() == base


def test_adding_or_removing_a_module_changes_the_key(tree):
    base = key()
    new = tree / "pipeline" / "new_stage.py"
    new.write_text('"""a new stage"""\n', encoding="utf-8")
    assert key() != base
    new.unlink()
    assert key() == base
    (tree / "pipeline" / "rules" / "extra.yaml").write_text("description: x\n", encoding="utf-8")
    assert key() != base


def test_files_outside_extraction_do_not_change_the_key(tree):
    base = key()
    (tree / "README.md").write_text("changed", encoding="utf-8")
    for rel in KEY_NOT_EXTRACTION:  # the command line, the report, serving: no part in a record
        (tree / rel).write_text("# changed", encoding="utf-8")
    assert key() == base
    (tree / "flows" / "new_stage.py").write_text("# a new flow module counts until declared otherwise", encoding="utf-8")
    assert key() != base


@pytest.mark.parametrize("lib", KEY_LIBRARIES)
def test_a_library_version_changes_the_key(tree, monkeypatch, lib):
    assert {"spacy", "text2num", "dateparser", "pydantic"} <= set(KEY_LIBRARIES)
    base = key()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "999.0" if name == lib else real(name))
    assert key() != base


def test_the_python_version_changes_the_key(tree, monkeypatch):
    base = key()
    monkeypatch.setattr(platform, "python_version", lambda: "3.99.0")
    assert key() != base


# --------------------------------------------------------------------------- through the flow


def _append(rel: str):
    def change(root: Path, monkeypatch) -> None:
        p = root / rel
        p.write_text(p.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")

    return change


def _library(lib: str):
    def change(root: Path, monkeypatch) -> None:
        real = metadata.version
        monkeypatch.setattr(metadata, "version", lambda name: "999.0" if name == lib else real(name))

    return change


def _schema_limit(root: Path, monkeypatch) -> None:
    p = root / "schemas" / "records.py"
    text = p.read_text(encoding="utf-8")
    assert "YEAR_MIN, YEAR_MAX = 1900, 2100" in text
    p.write_text(text.replace("YEAR_MIN, YEAR_MAX = 1900, 2100", "YEAR_MIN, YEAR_MAX = 1900, 2015"), encoding="utf-8")


CHANGES = {
    "schema limit": _schema_limit,
    "rule loader": _append("pipeline/rules/__init__.py"),
    "rule file": _append("pipeline/rules/percentage.yaml"),
    "pipeline module": _append("pipeline/numbers.py"),
    "flow record code": _append("flows/extract_flow.py"),
    "spacy version": _library("spacy"),
    "dateparser version": _library("dateparser"),
}


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("what", list(CHANGES))
def test_incremental_run_after_a_change_equals_full(what, tree, corpus_copy, tmp_path, monkeypatch):
    """The change is made where the key reads it; the behaviour change it stands for (the
    schema's year limit lowered to 2015, the issue's own example) is made in the running code.
    With the key blind to the change, the incremental run would serve stale cached records."""
    from flows import timelimit
    from flows.extract_flow import extract_corpus

    # the behaviour change is made in this process's code: extract here, not in the child process
    monkeypatch.setattr(timelimit, "IN_THIS_PROCESS", True)

    def run(out: Path, **kw) -> dict:
        extractor_version.cache_clear()
        return extract_corpus(corpus=str(corpus_copy), out=str(out), **kw)

    def snapshot(out: Path) -> dict[str, bytes]:
        return {n: (out / n).read_bytes() for n in OUTPUTS}

    out = tmp_path / "out"
    run(out)
    before = snapshot(out)
    CHANGES[what](tree, monkeypatch)
    monkeypatch.setattr(schemas.records, "YEAR_MAX", 2015)  # what the change does to the output
    s = run(out)
    full = tmp_path / "full"
    run(full, full=True)
    assert snapshot(out) == snapshot(full)
    assert s["processed"] == 5  # the cache was invalidated
    assert snapshot(out)["metrics.jsonl"] != before["metrics.jsonl"]  # the change did change the output
    assert b"year_out_of_range" in snapshot(out)["rejected.jsonl"]
