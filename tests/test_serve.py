"""`cxmetrics serve`: a scheduled deployment on a local Prefect server it starts itself.

Starts the real command in a subprocess on an hourly schedule, so every run it
makes in the test comes from its start (catch-up) or its watcher: waits for the
first run, drops three articles into the corpus at once, waits for their mentions
to appear in the output (one run for the three), runs `cxmetrics run` by hand on
the same output (it must use the serving server), then stops it with SIGTERM and
checks that the server it started is gone and nothing was logged as an error.
The watcher itself is tested on real files without Prefect.
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


SECOND = "Wachtrij\n\n3 april 2024 - Volgens Belpanel belde 18 procent van de klanten twee keer.\n"
THIRD = "Chat\n\n4 april 2024 - De chatbot loste 62 procent van de vragen op, meldt Chatpanel.\n"


def _api_url_of(out: Path) -> str | None:
    try:
        return json.loads((out / ".cxmetrics" / "serve.json").read_text(encoding="utf-8"))["api_url"]
    except OSError:
        return None


def _flow_runs(api_url: str, manual: bool) -> list[dict]:
    """Flow runs the server knows; ``manual``: those not started from a deployment."""
    import urllib.request

    req = urllib.request.Request(f"{api_url}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        runs = json.loads(r.read())
    return [run for run in runs if (run.get("deployment_id") is None) == manual]


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
         "--state", str(state), "--interval", "3600", "--settle", "3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        _wait(lambda: first.stem in _article_ids(out), 180, proc, "the first run (catch-up)")
        _wait(lambda: (out / "report" / "index.html").exists(), 60, proc, "the report")
        # three drops in a row (a copy of several files): one run takes them all
        (corpus / "nieuw artikel.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        (corpus / "tweede.txt").write_text(SECOND, encoding="utf-8")
        (corpus / "derde.md").write_text(THIRD, encoding="utf-8")
        _wait(lambda: {"nieuw artikel", "tweede", "derde"} <= _article_ids(out), 180, proc, "the new articles' mentions")
        # a manual run on the same output while serve is up: on serve's server, no temporary one
        manual = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--corpus", str(corpus), "--out", str(out), "--wait", "120"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert manual.returncode == 0, manual.stderr
        served_by = _api_url_of(out)
        assert served_by and _flow_runs(served_by, manual=True), "the manual run did not use serve's server"
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
    assert url.group(1) == served_by
    # one run at start, one for the three drops (a run asked for while another waits to start is not asked twice)
    assert len(re.findall(r"asked for \(catch-up", stdout)) == 1, stdout
    assert len(re.findall(r"asked for \(files-changed", stdout)) == 1, stdout
    assert not (out / ".cxmetrics" / "serve.json").exists()  # serve is down: manual runs start their own server again
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


def _settled_watcher(corpus: Path, settle: float, ignore: list[Path]):
    """A running watcher whose callbacks land in a list; returned once it is seen to work
    (a probe file written until it is reported: the OS watch is set up in its thread)."""
    import threading

    from flows.watch import start_watcher

    calls: list[list[str]] = []
    lock = threading.Lock()

    def record(paths: list[str]) -> None:
        with lock:
            calls.append(paths)

    stop = start_watcher(corpus, record, settle=settle, ignore=ignore)
    probe = corpus / "probe.txt"
    deadline = time.monotonic() + 120
    while not calls:
        assert time.monotonic() < deadline, "the watcher never reported the probe file"
        probe.write_text(f"{time.monotonic()}", encoding="utf-8")
        time.sleep(settle * 2)
    time.sleep(settle * 2)  # the probe's own reports are over
    with lock:
        calls.clear()
    return calls, stop


def test_watcher_reports_several_drops_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    out = corpus / "out"  # an output folder inside the corpus is not watched
    out.mkdir()
    calls, stop = _settled_watcher(corpus, settle=3.0, ignore=[out])
    try:
        for k in range(3):
            (corpus / f"artikel {k}.txt").write_text(f"Titel\n\n{k + 10} procent van de klanten.\n", encoding="utf-8")
        (corpus / "sub" / "pagina.html").write_text("<p>20 procent</p>", encoding="utf-8")
        _wait_for(lambda: calls, 120, "a report of the drops")
        time.sleep(3.0 * 3)  # long past the settle time: nothing more comes
        assert len(calls) == 1, calls
        assert {Path(p).name for p in calls[0]} == {"artikel 0.txt", "artikel 1.txt", "artikel 2.txt", "pagina.html"}
        # what the run itself writes (the output folder) and editors' swap files start nothing
        (out / "metrics.jsonl").write_text("{}\n", encoding="utf-8")
        (corpus / ".artikel 0.txt.swp").write_text("x", encoding="utf-8")
        time.sleep(3.0 * 3)
        assert len(calls) == 1, calls
        # a deletion is a change too
        (corpus / "artikel 1.txt").unlink()
        _wait_for(lambda: len(calls) == 2, 120, "a report of the deletion")
        assert [Path(p).name for p in calls[1]] == ["artikel 1.txt"]
    finally:
        stop.set()


def _wait_for(pred, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)
