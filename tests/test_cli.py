"""The command line: exit codes, one-line errors, the run summary, eval output."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys

import pytest

from flows.cli import build_parser, main, summary_text

from .conftest import CORPUS, GOLD, ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_missing_corpus_is_one_line_and_nonzero(tmp_path):
    r = cli("run", "--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    assert r.stderr == f"cxmetrics: error: corpus folder {tmp_path / 'nope'} does not exist or is not a folder\n"
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


def test_usage_error_is_one_line_and_exit_2():
    r = cli("frobnicate")
    assert (r.returncode, r.stdout) == (2, "")
    commands = ", ".join(repr(c) for c in build_parser()._subparsers._group_actions[0].choices)
    assert r.stderr == f"cxmetrics: error: argument command: invalid choice: 'frobnicate' (choose from {commands}) (see `cxmetrics --help`)\n"


@pytest.mark.parametrize(
    "args,message",
    [
        (("run", "--batch-size", "0"), "argument --batch-size: must be at least 1, got 0 (see `cxmetrics run --help`)"),
        (("run", "--batch-size", "-5"), "argument --batch-size: must be at least 1, got -5 (see `cxmetrics run --help`)"),
        (("run", "--batch-size", "2.5"), "argument --batch-size: expected a whole number, got '2.5' (see `cxmetrics run --help`)"),
        (("run", "--max-bytes", "0"), "argument --max-bytes: must be at least 1, got 0 (see `cxmetrics run --help`)"),
        (("run", "--wait", "-1"), "argument --wait: must be at least 0, got -1 (see `cxmetrics run --help`)"),
        (("serve", "--interval", "0"), "argument --interval: must be at least 1, got 0 (see `cxmetrics serve --help`)"),
        (("eval", "--gold"), "argument --gold: expected one argument (see `cxmetrics eval --help`)"),
        (("report", "--bogus"), "unrecognized arguments: --bogus (see `cxmetrics --help`)"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, args, message):
    """As the README promises: one line, exit 2, nothing done (no output folder, no traceback)."""
    r = cli(*args, *(("--out", str(tmp_path / "out")) if args[0] in ("run", "serve") else ()))
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"cxmetrics: error: {message}\n")
    assert not (tmp_path / "out").exists()


SUMMARY = {"articles": 2, "ok": 1, "rejected_articles": 1, "mentions": 1, "rejected_mentions": 2, "by_kind": {"percentage": 1},
           "new": 1, "changed": 0, "deleted": 1, "unchanged": 1, "processed": 1, "out": "out"}


def test_summary_counts_agree_in_number_and_name_the_report():
    assert summary_text(SUMMARY, report=ROOT / "out" / "report" / "index.html").splitlines() == [
        "cxmetrics: 2 articles (1 ok, 1 rejected; 1 new, 0 changed, 1 deleted, 1 unchanged)",
        "cxmetrics: 1 mention: percentage 1",
        "cxmetrics: 2 mentions rejected by validation; see out/rejected.jsonl",
        f"cxmetrics: report: {ROOT / 'out' / 'report' / 'index.html'}",
    ]
    one = dict(SUMMARY, articles=1, rejected_articles=0, mentions=0, by_kind={}, rejected_mentions=1)
    assert summary_text(one).splitlines() == [
        "cxmetrics: 1 article (1 ok, 0 rejected; 1 new, 0 changed, 1 deleted, 1 unchanged)",
        "cxmetrics: 0 mentions: none",
        "cxmetrics: 1 mention rejected by validation; see out/rejected.jsonl",
    ]


def test_full_run_says_reprocessed_not_new():
    full = dict(SUMMARY, new=2, processed=2, deleted=0, unchanged=0)
    first = summary_text(full, full=True).splitlines()[0]
    assert first == "cxmetrics: 2 articles (1 ok, 1 rejected; 2 reprocessed)"


@pytest.mark.usefixtures("prefect_harness")
def test_run_then_eval(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--corpus", str(ROOT / "corpus"), "--out", str(out), "--no-report"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "cxmetrics: 5 articles (5 ok, 0 rejected; 5 new, 0 changed, 0 deleted, 0 unchanged)"
    assert "percentage" in printed[1] and not any("report" in line for line in printed)  # --no-report: no report named
    assert main(["run", "--corpus", str(ROOT / "corpus"), "--out", str(out), "--no-report", "--full"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "cxmetrics: 5 articles (5 ok, 0 rejected; 5 reprocessed)"
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
    report = tmp_path / "out" / "report" / "index.html"
    assert report.exists()
    assert r.stdout.splitlines()[-1] == f"cxmetrics: report: {report}"


@pytest.mark.usefixtures("prefect_harness")
def test_first_run_in_a_terminal_shows_no_usage_data_notice(tmp_path):
    """Prefect's client prints "collects anonymous usage data" on its first import in a terminal
    (a TTY) with a fresh PREFECT_HOME, unless told not to track; the CLI tells it (flows/settings.py)."""
    from prefect.settings import PREFECT_API_URL

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sorted(CORPUS.glob("*.txt"))[0], corpus)
    # the user's environment: nothing of ours (conftest applied the settings to this process), no CI
    env = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "CI", "GITHUB_ACTIONS", "GITLAB_CI")}
    env.update(PREFECT_HOME=str(tmp_path / "fresh-home"), PREFECT_API_URL=PREFECT_API_URL.value())
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--corpus", str(corpus), "--out", str(tmp_path / "out"), "--no-report"],
        cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    seen = b"".join(chunks).decode("utf-8", "replace")
    assert "cxmetrics: 1 article (1 ok" in seen  # the run did happen, in the terminal
    assert "usage data" not in seen and "DO_NOT_TRACK" not in seen, seen


def test_the_console_command_is_the_quick_exit_wrapper():
    """`cxmetrics` (pyproject's script) and `python -m flows.cli` both go through `command`,
    which freezes the heap before the interpreter's last collection; the subprocess tests
    in this file and in test_one_line_errors.py run it."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["cxmetrics"] == "flows.cli:command"
    assert "raise SystemExit(command())" in (ROOT / "flows" / "cli.py").read_text(encoding="utf-8")
