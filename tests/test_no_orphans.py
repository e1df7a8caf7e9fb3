"""A killed or stopped command leaves no process behind (issue 24, ``flows/guard.py``).

The real command runs in a subprocess whose environment carries a mark of the test's own;
every process it starts inherits the mark, so the test finds them all in ``/proc`` (the
extraction workers and their fork server, multiprocessing's resource tracker, the reading
and extraction children, Prefect's temporary server, the guardian itself). A run is
stopped mid-extraction: the test hook ``CXMETRICS_TEST_PAUSE_AT=cache`` holds each worker
after its first cache file, so every process is up when the signal comes.

Measured before the guardian: after ``kill -9`` of a run, the fork server, both workers,
the resource tracker and uvicorn (about 580 MB) kept running for good. The bounds below
are what a hung machine gets before the test gives up, not timings (see the README).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT, run_flow

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")]

MARK = "CXMETRICS_TEST_ORPHAN_MARK"
GIVE_UP = 60.0  # seconds: only a hang takes this long


def marked(token: str) -> list[tuple[int, str]]:
    needle = f"{MARK}={token}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            env = Path(f"/proc/{name}/environ").read_bytes()
            cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append((int(name), cmd[:160]))
    return found


def wait_for(pred, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + GIVE_UP * 3
    while not pred():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the command ended (exit {proc.returncode}) before {what}: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def gone(token: str) -> list[tuple[int, str]]:
    """What is still running of the command's processes once they had time to end."""
    deadline = time.monotonic() + GIVE_UP
    while (left := marked(token)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def make_corpus(dst: Path, copies: int) -> None:
    dst.mkdir()
    seeds = sorted(CORPUS.glob("*.txt"))
    for k in range(copies):
        src = seeds[k % len(seeds)]
        text = src.read_text(encoding="utf-8").replace("64 procent", f"{10 + k % 80} procent")
        (dst / f"{k:04d}_{src.stem[:3]}.txt").write_text(text, encoding="utf-8")


def start(tmp_path: Path, *args: str, pause: bool = True) -> tuple[subprocess.Popen, str, Path]:
    """The command with its own temporary Prefect server (as a user runs it), marked."""
    token = secrets.token_hex(6)
    marker = tmp_path / "paused"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update({MARK: token, "PREFECT_HOME": str(tmp_path / "prefect-home")})
    if pause:
        env.update({"CXMETRICS_TEST_PAUSE_AT": "cache", "CXMETRICS_TEST_PAUSE_MARKER": str(marker)})
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, token, marker


def everything_up(token: str, marker: Path) -> bool:
    cmds = [c for _pid, c in marked(token)]
    return marker.exists() and any("uvicorn" in c for c in cmds) and sum("forkserver" in c for c in cmds) >= 3


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 120)  # 100 or more: two worker processes, started before Prefect
    return corpus


def test_kill_9_of_a_run_leaves_no_process(tmp_path, big_corpus):
    out = tmp_path / "out"
    proc, token, marker = start(tmp_path, "run", "--corpus", str(big_corpus), "--out", str(out), "--no-report")
    try:
        wait_for(lambda: everything_up(token, marker), "the workers, the fork server and Prefect's server", proc)
        running = marked(token)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert gone(token) == [], f"left running after kill -9 (of {running})"
    finally:
        for pid, _cmd in marked(token):  # never leave them to the next test
            os.kill(pid, signal.SIGKILL)


@pytest.mark.usefixtures("prefect_harness")
def test_sigterm_stops_a_run_keeps_the_previous_output_and_leaves_nothing(tmp_path, big_corpus):
    from flows.io import read_jsonl

    out = tmp_path / "out"
    small = tmp_path / "small"
    make_corpus(small, 3)
    run_flow(small, out)
    before = {n: (out / n).read_bytes() for n in ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")}
    proc, token, marker = start(tmp_path, "run", "--corpus", str(big_corpus), "--out", str(out), "--no-report")
    try:
        wait_for(lambda: everything_up(token, marker), "the workers, the fork server and Prefect's server", proc)
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=GIVE_UP)
        assert proc.returncode == 2, stderr
        assert stderr.splitlines()[-1].startswith("cxmetrics: error: stopped by SIGTERM before the run was complete"), stderr
        assert gone(token) == []
        assert {n: (out / n).read_bytes() for n in before} == before
        assert len(read_jsonl(out / "articles.jsonl")) == 3
        assert sorted(p.name for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith("early-")) == []
    finally:
        for pid, _cmd in marked(token):
            os.kill(pid, signal.SIGKILL)


def test_kill_9_of_serve_leaves_no_process(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 2)
    out = tmp_path / "out"
    proc, token, _marker = start(tmp_path, "serve", "--corpus", str(corpus), "--out", str(out), "--interval", "3600",
                                 "--state", str(tmp_path / "state"), pause=False)
    try:
        wait_for(lambda: (out / ".cxmetrics" / "manifest.json").exists(), "serve's first run", proc)
        running = marked(token)
        assert any("prefect server start" in c for _pid, c in running), running  # its local server: a session of its own
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert gone(token) == [], f"left running after kill -9 of serve (of {running})"
    finally:
        for pid, _cmd in marked(token):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.usefixtures("prefect_harness")
def test_review_ends_on_sigterm_and_after_kill_9(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 2)
    out = tmp_path / "out"
    run_flow(corpus, out, report=True)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        proc, token, _marker = start(tmp_path, "review", "--corpus", str(corpus), "--out", str(out), "--port", "0", pause=False)
        try:
            wait_for(lambda: proc.stdout.readline().startswith("cxmetrics: review at "), "review to listen", proc)
            proc.send_signal(sig)
            proc.communicate(timeout=GIVE_UP)
            if sig == signal.SIGTERM:  # uvicorn shuts down, then ends by the signal it caught (its convention)
                assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
            assert gone(token) == []
        finally:
            for pid, _cmd in marked(token):
                os.kill(pid, signal.SIGKILL)
