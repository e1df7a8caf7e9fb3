"""`cxmetrics serve`: a scheduled deployment on a local Prefect server it starts itself.

Starts the real command in a subprocess with a 3-second interval, drops a new
article into the corpus while it is serving, waits for its mentions to appear
in the output, then stops it with SIGTERM and checks that the server it started
is gone and nothing was logged as an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.serve import _healthy
from tests.conftest import CORPUS, ROOT

NEW_ARTICLE = (
    "Klanten wachten langer\n\n"
    "12 maart 2024 - Uit onderzoek van Klantpanel blijkt dat 41 procent van de klanten "
    "de wachttijd te lang vindt. De Net Promoter Score daalde naar -4.\n"
)


def _wait(pred, timeout: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        if proc.poll() is not None:
            pytest.fail(f"serve exited early (rc={proc.returncode}) while waiting for {what}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _article_ids(out: Path) -> set[str]:
    path = out / "metrics.jsonl"
    if not path.exists():
        return set()
    return {json.loads(line)["article_id"] for line in path.read_text(encoding="utf-8").splitlines()}


def test_served_flow_picks_up_a_new_article_and_stops_cleanly(tmp_path: Path) -> None:
    corpus, out, state = tmp_path / "corpus", tmp_path / "out", tmp_path / "state"
    corpus.mkdir()
    first = sorted(CORPUS.glob("*.txt"))[0]
    shutil.copy(first, corpus / first.name)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "client-home")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--corpus", str(corpus), "--out", str(out),
         "--state", str(state), "--interval", "3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        _wait(lambda: first.stem in _article_ids(out), 180, proc, "the first scheduled run")
        (corpus / "nieuw artikel.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        _wait(lambda: "nieuw artikel" in _article_ids(out), 120, proc, "the new article's mentions")
        _wait(lambda: (out / "report" / "index.html").exists(), 30, proc, "the report")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            pytest.fail(f"serve did not stop within 60 s of SIGTERM\n{stderr}")

    assert proc.returncode == 0, stderr
    new = [json.loads(line) for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    new = [m for m in new if m["article_id"] == "nieuw artikel"]
    assert {(m["kind"], m["value"]) for m in new} >= {("percentage", 41.0), ("score", -4.0)}
    assert all(m["source"] and m["source"]["organization"] == "Klantpanel" for m in new)
    # the local server was started under --state and is gone after SIGTERM
    assert (state / "prefect" / "server.log").exists()
    url = re.search(r"local Prefect server at (\S+)", stdout)
    assert url, stdout
    assert not _healthy(url.group(1))
    # a clean run is quiet: no errors, tracebacks or never-awaited coroutines on stderr
    assert not re.search(r"ERROR|Traceback|never awaited", stderr), stderr


def test_prefect_yaml_deploys_the_same_flow_and_schedule():
    """prefect.yaml (for `prefect deploy`) must point at the real flow with parameters it accepts."""
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    from flows.extract_flow import extract_corpus
    from flows.serve import DEFAULT_INTERVAL, DEPLOYMENT

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (dep,) = spec["deployments"]
    assert dep["name"] == DEPLOYMENT
    path, func = dep["entrypoint"].split(":")
    flow = load_flow_from_entrypoint(f"{ROOT / path}:{func}")
    assert flow.name == extract_corpus.name
    flow.validate_parameters(dep["parameters"])  # raises on an unknown or mistyped parameter
    assert [s["interval"] for s in dep["schedules"]] == [DEFAULT_INTERVAL]
    import prefect

    assert spec["prefect-version"] == prefect.__version__, "keep prefect.yaml's prefect-version with the lock"
