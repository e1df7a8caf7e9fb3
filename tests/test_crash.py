"""Killing a run at any stage of writing (SIGKILL) and running again gives the output of one clean run.

The run is killed at exact points, not after fixed delays: the flow's write path
has a test hook (``flows/testhooks.py``) that, asked by ``CXMETRICS_TEST_PAUSE_AT``,
writes a marker file when it reaches that stage and sleeps; the test waits for the
marker and kills the process there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.testhooks import STAGES

from .conftest import CORPUS, ROOT

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

OUTPUTS = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")


def make_corpus(dst: Path, copies: int) -> None:
    dst.mkdir()
    seeds = sorted(CORPUS.glob("*.txt"))
    for k in range(copies):
        src = seeds[k % len(seeds)]
        text = src.read_text(encoding="utf-8").replace("64 procent", f"{10 + k % 80} procent")
        (dst / f"{k:04d}_{src.stem[:3]}.txt").write_text(text, encoding="utf-8")


def snapshot(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in OUTPUTS}


def kill_at(stage: str, cmd: list[str], env: dict, marker: Path, timeout: float = 240) -> None:
    """Start the run, wait until it stands at ``stage``, SIGKILL it there."""
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=dict(env, CXMETRICS_TEST_PAUSE_AT=stage, CXMETRICS_TEST_PAUSE_MARKER=str(marker)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the run ended (exit {proc.returncode}) before reaching stage {stage!r}: {proc.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the run did not reach stage {stage!r} in {timeout:.0f} s")
            time.sleep(0.05)
        assert marker.read_text(encoding="utf-8").split()[0] == stage
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()


def assert_whole(out: Path) -> None:
    for name in OUTPUTS:  # whatever exists is whole: every line parses
        p = out / name
        if p.exists():
            for line in p.read_text(encoding="utf-8").splitlines():
                json.loads(line)


def test_sigkill_at_each_write_stage_then_rerun(tmp_path):
    from prefect.settings import PREFECT_API_URL

    from flows.extract_flow import extract_corpus

    corpus = tmp_path / "corpus"
    make_corpus(corpus, 30)
    reference = tmp_path / "reference"
    extract_corpus(corpus=str(corpus), out=str(reference), batch_size=10)

    out, marker = tmp_path / "out", tmp_path / "paused"
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    cmd = [sys.executable, "-m", "flows.cli", "run", "--corpus", str(corpus), "--out", str(out), "--no-report", "--batch-size", "10"]
    seen = {}
    for stage in STAGES:
        kill_at(stage, cmd, env, marker)
        assert_whole(out)
        seen[stage] = sorted(p.name for p in out.glob(".*.tmp"))
        if stage == "cache":  # killed inside the first batch: no output yet
            assert not any((out / n).exists() for n in OUTPUTS)
        if stage in ("assembled", "manifest"):  # the outputs are already those of a clean run
            assert snapshot(out) == snapshot(reference)
    # killed while writing, the three outputs were temp files beside their targets, and only then
    assert all(any(t.startswith(f".{n}.") for t in seen["writing"]) for n in OUTPUTS), seen
    assert seen["cache"] == [] and seen["assembled"] == [] and seen["manifest"] == [], seen

    final = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert snapshot(out) == snapshot(reference)
    assert [p for p in out.rglob("*.tmp")] == []
