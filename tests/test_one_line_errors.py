"""The README's promise: a run that cannot happen ends with one line on stderr and exit 2.

Each case the README names (corpus missing, output not writable, another run holds the
output folder, a bad rule file) goes through the real command in a subprocess, and the
whole of stderr must be that one line: no traceback, no log line from Prefect.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.io import run_lock

from .conftest import ROOT


def cxmetrics(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ), timeout=300)


def one_line(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and r.stderr.endswith("\n"), r.stderr
    assert lines[0].startswith("cxmetrics: error: ")
    return lines[0].removeprefix("cxmetrics: error: ")


def test_output_not_writable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    msg = one_line(cxmetrics("run", "--corpus", str(ROOT / "corpus"), "--out", str(blocker / "out")))
    assert msg.startswith(f"output folder {blocker / 'out'} is not writable")


def test_another_run_holds_the_output_folder(tmp_path):
    out = tmp_path / "out"
    with run_lock(out):
        msg = one_line(cxmetrics("run", "--corpus", str(ROOT / "corpus"), "--out", str(out)))
    assert msg == f"another cxmetrics run is writing to {out} (lock {out / '.cxmetrics' / 'run.lock'}); try again when it ends"
    assert not (out / "metrics.jsonl").exists()


def test_a_bad_rule_file_stops_the_run_before_it_starts(tmp_path):
    """A copy of the project with one rule's kind misspelt: the command names file, rule and field."""
    project = tmp_path / "project"
    for package in ("pipeline", "flows", "schemas"):
        shutil.copytree(ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__"))
    score = project / "pipeline" / "rules" / "score.yaml"
    text = score.read_text(encoding="utf-8")
    score.write_text(text.replace("  - id: score.stars\n    kind: score\n", "  - id: score.stars\n    kind: scores\n", 1), encoding="utf-8")
    assert score.read_text(encoding="utf-8") != text
    out = tmp_path / "out"
    msg = one_line(cxmetrics("run", "--corpus", str(ROOT / "corpus"), "--out", str(out), cwd=project))
    assert msg.startswith("invalid rule file score.yaml: rules[0].kind (rule score.stars): 'scores' is not a kind (kinds: ")
    assert not (out / "metrics.jsonl").exists()


def test_a_parse_time_limit_below_a_tenth_of_a_second_is_a_usage_error(tmp_path):
    msg = one_line(cxmetrics("run", "--parse-seconds", "0", "--out", str(tmp_path / "out")))
    assert msg == "argument --parse-seconds: must be at least 0.1, got 0 (see `cxmetrics run --help`)"
    assert not (tmp_path / "out").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_the_parse_time_limit_reaches_the_run(tmp_path, capsys):
    """`cxmetrics run --parse-seconds`: a PDF that takes far longer to read is quarantined with that limit."""
    from flows.cli import main

    from . import formats_samples as S

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dik.pdf").write_bytes(S.pdf_bytes([S.PDF_PAGES[0] * 6] * 400, header=S.PDF_HEADER))  # ~2 s to read here
    (corpus / "notitie.txt").write_text("Notitie\n\nVan de klanten is 55 procent tevreden.", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--no-report", "--parse-seconds", "0.1"]) == 0
    capsys.readouterr()
    articles = {a["path"]: a for a in map(json.loads, (out / "articles.jsonl").read_text(encoding="utf-8").splitlines())}
    assert articles["dik.pdf"]["status"] == "rejected"
    assert articles["dik.pdf"]["error"] == "too_slow: reading the pdf file took longer than 0.1 s; stopped"
    assert articles["notitie.txt"]["status"] == "ok"
