"""Serve the extraction flow on a schedule, with no Prefect server to set up.

Why it exists: editors drop articles at any time and a schedule should pick
them up. Prefect refuses schedules on its temporary in-process server
("Cannot schedule flows on an ephemeral server"), so when ``PREFECT_API_URL``
is not set we start a real local ``prefect server`` process (SQLite under
``.state/prefect``), point the flow at it, and stop it on exit. When
``PREFECT_API_URL`` is set, that server is used and nothing is started.

Drop to data: serving starts with one run at once (catching up on what changed
while it was down), then watches the corpus (``flows.watch``) and asks the
deployment for a run a few seconds after files stop changing; the schedule stays
as the safety net. While it serves, ``serve.json`` beside the output's manifest
names its server, so a manual ``cxmetrics run`` on the same output uses that
server instead of starting Prefect's temporary one (``running_server``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from flows.settings import local_server_env
from flows.watch import SETTLE_SECONDS, start_watcher

DEFAULT_INTERVAL = 600
DEPLOYMENT = "cxmetrics-scheduled"
DRAIN_SECONDS = 300.0  # how long SIGTERM waits for a run in progress before cancelling it
STATE = Path(".state")
# how often the runner asks its server for runs to start (Prefect's default is 10 s): a
# run the watcher asks for starts within this, and asking costs the local server little
POLL_SECONDS = 1.0
SERVE_FILE = "serve.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def local_server(state: Path = STATE, startup_timeout: float = 120.0) -> Iterator[str]:
    """A `prefect server start` process on a free loopback port; yields its API URL."""
    home = (state / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = local_server_env(home)
    log = (home / "server.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup_timeout
        while not _healthy(api_url):
            if proc.poll() is not None:
                raise RuntimeError(f"the local Prefect server exited early; see {home / 'server.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect server did not start in {startup_timeout:.0f} s; see {home / 'server.log'}")
            time.sleep(0.5)
        yield api_url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _serve_flow(corpus: str, out: str, cron: str | None, interval: int | None, settle: float = SETTLE_SECONDS) -> None:
    """Register the deployment and poll for its scheduled runs until stopped.

    This is what ``Flow.serve`` does, except for how SIGTERM stops it (see below).
    """
    import asyncio

    from prefect.runner import Runner

    from flows.extract_flow import extract_corpus

    class _DrainingRunner(Runner):
        """SIGTERM drains: no new runs are picked up, a run in progress finishes, then the runner stops.

        Prefect 3.8.8's own ``Runner.handle_sigterm`` calls the async-dispatched
        ``stop()`` from inside the event loop, which only creates a coroutine that
        is never awaited (a RuntimeWarning), then exits mid-run, so an article batch
        in flight is reported as crashed. A second SIGTERM stops at once, like Ctrl-C.
        """

        _draining = False

        def handle_sigterm(self, *args: object, **kwargs: object) -> None:
            if self._draining:
                raise KeyboardInterrupt
            self._draining = True
            self.stopping = True
            poller = getattr(self, "_scheduled_run_poller", None)
            if poller is not None:
                poller.stopping = True
            asyncio.get_running_loop().create_task(self._drain_then_stop())

        async def _drain_then_stop(self, limit: float = DRAIN_SECONDS) -> None:
            deadline = time.monotonic() + limit
            idle_checks = 0
            while time.monotonic() < deadline and idle_checks < 2:  # idle twice: no run was mid-submission
                idle_checks = idle_checks + 1 if not self._flow_run_process_map else 0
                await asyncio.sleep(0.5)
            await self.astop()

    schedule = {"cron": cron} if cron else {"interval": interval or DEFAULT_INTERVAL}
    # limit=1: one run at a time; a run due while another is still going waits for the
    # next poll instead of queueing on the output lock
    runner = _DrainingRunner(name=DEPLOYMENT, pause_on_shutdown=False, limit=1, query_seconds=POLL_SECONDS)
    deployment_id = runner.add_flow(
        extract_corpus,
        name=DEPLOYMENT,
        parameters={"corpus": str(Path(corpus).resolve()), "out": str(Path(out).resolve()), "lock_wait_seconds": 60.0, "report": True},
        enforce_parameter_schema=False,
        **schedule,
    )
    when = f"cron {cron!r}" if cron else f"every {schedule['interval']} s"
    print(
        f"cxmetrics: serving deployment '{extract_corpus.name}/{DEPLOYMENT}' ({deployment_id}), {when}; "
        f"corpus {corpus}, output {out}. Ctrl-C or SIGTERM stops it.",
        flush=True,
    )
    trigger = RunTrigger(deployment_id)
    trigger("catch-up")  # at once: what changed while serve was down

    out_p = Path(out)
    stop_watching = start_watcher(Path(corpus), lambda paths: trigger("files-changed", paths), settle=settle, ignore=[out_p])
    announce = _announce(out_p, deployment_id)
    try:
        asyncio.run(runner.start())
    finally:
        stop_watching.set()
        announce.unlink(missing_ok=True)


class RunTrigger:
    """Asks the deployment for a run now (the runner starts it at its next poll).

    No second run is asked for while the last one asked for has not started yet: that
    one lists the corpus when it starts, so it takes the newer changes too. A run that
    is already going may have listed the corpus before a change, so then another is
    asked for; it starts when the first is done (one run at a time).
    """

    def __init__(self, deployment_id) -> None:
        self.deployment_id = deployment_id
        self.last = None

    def __call__(self, why: str, paths: list[str] | None = None) -> None:
        from prefect.client.orchestration import get_client

        try:
            with get_client(sync_client=True) as client:
                if self.last is not None:
                    state = client.read_flow_run(self.last).state
                    if state is not None and (state.is_scheduled() or state.is_pending()):
                        return
                run = client.create_flow_run_from_deployment(self.deployment_id, tags=["cxmetrics", why])
                self.last = run.id
        except Exception as exc:  # the schedule still runs
            print(f"cxmetrics: could not start a run ({why}): {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            return
        what = f": {len(paths)} file(s) changed" if paths else ""
        print(f"cxmetrics: run {run.name} asked for ({why}{what})", flush=True)


def _announce(out: Path, deployment_id) -> Path:
    """Write ``serve.json`` next to the output's manifest: which server serves this output."""
    from flows.io import state_dir

    path = state_dir(out) / SERVE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{SERVE_FILE}.tmp")
    tmp.write_text(json.dumps({"api_url": os.environ.get("PREFECT_API_URL"), "pid": os.getpid(),
                               "deployment_id": str(deployment_id)}), encoding="utf-8")
    tmp.replace(path)
    return path


def running_server(out: Path) -> str | None:
    """The API URL of a ``cxmetrics serve`` serving ``out``, if one is up and answering."""
    from flows.io import state_dir

    try:
        info = json.loads((state_dir(out) / SERVE_FILE).read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)  # the serving process is alive
    except (OSError, ValueError, KeyError, TypeError):
        return None
    url = info.get("api_url")
    return url if url and _healthy(url) else None


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def serve(
    corpus: str = "corpus",
    out: str = "out",
    cron: str | None = None,
    interval: int | None = None,
    state: Path = STATE,
    settle: float = SETTLE_SECONDS,
) -> int:
    """Serve until interrupted (Ctrl-C or SIGTERM); returns the exit code."""
    if not Path(corpus).is_dir():
        print(f"cxmetrics: error: corpus folder {corpus} does not exist or is not a folder", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)  # also while the local server is starting
    try:
        if os.environ.get("PREFECT_API_URL"):
            _serve_flow(corpus, out, cron, interval, settle)
        else:
            with local_server(state) as api_url:
                os.environ["PREFECT_API_URL"] = api_url
                print(f"cxmetrics: started a local Prefect server at {api_url} (UI: {api_url[:-4]})", flush=True)
                _serve_flow(corpus, out, cron, interval, settle)
    except KeyboardInterrupt:
        print("cxmetrics: stopped", file=sys.stderr)
    except RuntimeError as exc:
        print(f"cxmetrics: error: {exc}", file=sys.stderr)
        return 2
    return 0
