"""Killing a run at any moment (SIGKILL) and running again gives the output of one clean run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def test_sigkill_at_several_points_then_rerun(tmp_path):
    from prefect.settings import PREFECT_API_URL

    from flows.extract_flow import extract_corpus

    corpus = tmp_path / "corpus"
    make_corpus(corpus, 70)
    reference = tmp_path / "reference"
    extract_corpus(corpus=str(corpus), out=str(reference), batch_size=10)

    out = tmp_path / "out"
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    cmd = [sys.executable, "-m", "flows.cli", "run", "--corpus", str(corpus), "--out", str(out), "--no-report", "--batch-size", "10"]
    for delay in (2.5, 4.0, 5.5):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name in OUTPUTS:  # whatever exists is whole: every line parses
            p = out / name
            if p.exists():
                for line in p.read_text(encoding="utf-8").splitlines():
                    json.loads(line)
    final = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert snapshot(out) == snapshot(reference)
    leftovers = [p for p in out.rglob("*.tmp")]
    assert leftovers == []
