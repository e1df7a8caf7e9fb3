"""The command line: exit codes, one-line errors, the run summary, eval output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from flows.cli import main

from .conftest import GOLD, ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_missing_corpus_is_one_line_and_nonzero(tmp_path):
    r = cli("run", "--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "does not exist" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()  # no work before the error


def test_unwritable_output_is_one_line_and_nonzero(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("run", "--corpus", str(ROOT / "corpus"), "--out", str(blocker / "out"))
    assert r.returncode == 2 and "not writable" in r.stderr and "Traceback" not in r.stderr


def test_eval_without_predictions_fails_clearly(tmp_path):
    (tmp_path / "mentions.jsonl").write_text("")
    r = cli("eval", "--gold", str(tmp_path), "--pred", str(tmp_path / "none.jsonl"))
    assert r.returncode == 2 and "no predictions" in r.stderr


def test_usage_error_exits_nonzero():
    assert cli("frobnicate").returncode != 0


@pytest.mark.usefixtures("prefect_harness")
def test_run_then_eval(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(ROOT / "corpus"), "--out", str(out), "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "5 articles (5 ok, 0 rejected" in printed and "percentage" in printed
    if not (GOLD / "mentions.jsonl").exists():
        pytest.skip("no gold beside the project")
    assert main(["eval", "--gold", str(GOLD), "--pred", str(out / "metrics.jsonl"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mentions"]["precision"] >= 0.97 and data["mentions"]["recall"] >= 0.97
    assert main(["eval", "--gold", str(GOLD), "--pred", str(out / "metrics.jsonl"), "--errors"]) == 0
    table = capsys.readouterr().out
    assert "mention precision" in table and "year accuracy" in table


def test_clean_run_as_a_new_user_is_quiet(tmp_path):
    """The real command with Prefect's temporary server, as `make run` does: exit 0, the
    summary on stdout, and nothing on stderr (no ERROR lines at shutdown, no tracebacks)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_LOGGING_LEVEL"] = "INFO"  # show everything Prefect would say
    r = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--corpus", str(ROOT / "corpus"), "--out", str(tmp_path / "out"),
         "--batch-size", "2"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "5 articles (5 ok" in r.stdout
    noisy = [line for line in (r.stdout + r.stderr).splitlines() if "ERROR" in line or "Traceback" in line]
    assert not noisy, r.stderr
    assert (tmp_path / "out" / "report" / "index.html").exists()
