"""No process outlives the command that started it, and a stopped run stops at once.

Why it exists: a run starts processes of its own (the extraction workers and their fork
server, multiprocessing's resource tracker, the reading and extraction child of each
process that extracts, Prefect's temporary server; ``serve`` also a local Prefect server
and a process per scheduled run). Killed with SIGKILL, the command runs no exit handler,
and measured before this module, the fork server, both workers, the resource tracker and
Prefect's temporary server (uvicorn) kept running, about 580 MB, after every killed run.

Three layers, each enough for what it covers:

1. The guardian (``start_guardian``): the console command's first act is to start a small
   process (this file as a script, standard library only) and to mark its own environment
   with a token that every process it starts inherits, Prefect's servers and the
   multiprocessing helpers included. The guardian waits until the command ends, in any
   way (its pipe closes, or it is no longer the guardian's parent), then ends every
   process still carrying the token: SIGTERM, and SIGKILL 3 s later. Linux (``/proc``).
2. Children watching their parent (``watch_parent``): the extraction workers and the
   reading and extraction children end by themselves when the process they serve is gone
   (``pidfd``, else polling), also where no guardian runs (a flow called from Python, Dask).
3. Stopping (``stop_on_signals``): SIGTERM or Ctrl-C during ``cxmetrics run`` kills the
   worker processes and the children at once (``on_stop``), so the work in flight ends,
   then raises KeyboardInterrupt in the main thread: every temp file being written is
   removed on the way out, the run lock released, and the command exits. The renames
   that publish a run's output (``deferred``) are never cut in two: a signal during them
   takes effect right after. A second signal, or a run that has not ended 4 s after the
   first, exits at once.

This module imports only the standard library: it runs as the guardian script, and in
the extraction workers.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

ENV = "CXMETRICS_GUARD"  # the token of the command a process belongs to
WATCH_THREAD = "cxmetrics-watch-parent"
TERM_GRACE = 3.0  # seconds between the guardian's SIGTERM and its SIGKILL
STOP_SECONDS = 4.0  # a stopped run that has not ended by then exits at once


class Stopped(BaseException):
    """The command is stopping (SIGTERM, Ctrl-C): work in progress is abandoned, not retried."""


_stop = threading.Event()
_signal: int | None = None
_on_stop: list[Callable[[], None]] = []
_defer = 0
_pending = False


def stopping() -> bool:
    return _stop.is_set()


def stopped_by() -> str | None:
    """The name of the signal that stopped the command ('SIGTERM', 'SIGINT'), if one did."""
    return signal.Signals(_signal).name if _signal is not None else None


def on_stop(fn: Callable[[], None]) -> None:
    """Call ``fn`` (quick, from a signal handler) when the command is told to stop."""
    _on_stop.append(fn)


def _run_on_stop() -> None:
    for fn in list(_on_stop):
        try:
            fn()
        except Exception:  # noqa: BLE001 - stopping goes on whatever one callback does
            pass


# --------------------------------------------------------------------------- stopping a run


_reported = False


def reported() -> None:
    """The command has said why it stops: the last resort below says it no more."""
    global _reported
    _reported = True


def _begin_stop(signum: int) -> None:
    import logging

    _run_on_stop()
    # what is cut short now is reported by our one line, not by Prefect's crash reports
    logging.disable(logging.CRITICAL)

    def last_resort() -> None:
        time.sleep(STOP_SECONDS)
        _run_on_stop()
        if not _reported:
            print(f"cxmetrics: error: stopped by {signal.Signals(signum).name}", file=sys.stderr, flush=True)
        os._exit(2)

    threading.Thread(target=last_resort, name="cxmetrics-stop", daemon=True).start()


def _handler(signum: int, _frame) -> None:
    global _signal, _pending
    if _stop.is_set():  # a second signal: at once
        _run_on_stop()
        os._exit(2)
    _signal = signum
    _stop.set()
    if _defer:
        _pending = True  # the renames in progress finish first (``deferred``)
        return
    _begin_stop(signum)
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT stop the work inside the block (see the module's docstring)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A signal that stops the run waits until this block is done (the output's renames)."""
    global _defer, _pending
    _defer += 1
    try:
        yield
    finally:
        _defer -= 1
        if not _defer and _pending:
            _pending = False
            _begin_stop(_signal or signal.SIGTERM)
            raise KeyboardInterrupt


def exit_now(code: int) -> None:
    """After a stop: exit without waiting for threads still winding down (a task thread of
    Prefect's) or exit handlers (the processes they would end are killed already, or the
    guardian's)."""
    _run_on_stop()
    _release_semaphores()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _release_semaphores(timeout: float = 1.0) -> None:
    """The semaphores of the worker pool's queues, removed as multiprocessing does at exit (its
    finalizers of priority 0 and above: no thread is joined). Else its resource tracker
    removes them once the command is gone and writes "There appear to be 5 leaked semaphore
    objects to clean up at shutdown" below the command's last line (measured)."""
    util = sys.modules.get("multiprocessing.util")
    if util is None:
        return
    done = threading.Thread(target=lambda: util._run_finalizers(0), name="cxmetrics-finalizers", daemon=True)
    done.start()
    done.join(timeout)


# --------------------------------------------------------------------------- children watching their parent


def watch_parent(pid: int) -> None:
    """End this process (``os._exit``) as soon as process ``pid`` is gone: a daemon thread
    that waits on its pidfd (Linux 5.3+), else looks every half second."""

    def wait_pidfd() -> bool:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            return False
        select.select([fd], [], [])
        return True

    def watch() -> None:
        direct = pid == os.getppid()
        if not direct and wait_pidfd():
            os._exit(1)
        while True:
            if direct:
                if os.getppid() != pid:
                    os._exit(1)
            else:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    os._exit(1)
                except PermissionError:
                    pass
            time.sleep(0.5)

    if pid == os.getpid():
        return
    if pid != os.getppid():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
    elif os.getppid() == 1:
        os._exit(1)
    threading.Thread(target=watch, name=WATCH_THREAD, daemon=True).start()


def forget_parent_state() -> None:
    """In a child forked (not started anew) from an extraction worker: close the pipes that
    keep multiprocessing's fork server and resource tracker alive, which are the worker's
    to hold, so they end when the workers do."""
    mp = sys.modules.get("multiprocessing.forkserver")
    tracker = sys.modules.get("multiprocessing.resource_tracker")
    fds = []
    if mp is not None:
        fds.append(getattr(mp._forkserver, "_forkserver_alive_fd", None))
    if tracker is not None:
        fds.append(getattr(tracker._resource_tracker, "_fd", None))
    for fd in fds:
        if isinstance(fd, int):
            with contextlib.suppress(OSError):
                os.close(fd)


# --------------------------------------------------------------------------- the guardian


def start_guardian() -> None:
    """Start the guardian of this process (the console command), once, before any other process."""
    global _guardian_pipe
    if os.environ.get(ENV, "").startswith(f"{os.getpid()}-") or not os.path.isdir("/proc"):
        return
    import secrets
    import subprocess

    token = f"{os.getpid()}-{secrets.token_hex(8)}"
    read_end, write_end = os.pipe()  # never written: it closes when this process ends, however
    env = {k: v for k, v in os.environ.items() if k != ENV}
    try:
        subprocess.Popen(
            [sys.executable, "-I", "-S", os.path.abspath(__file__), token, str(os.getpid())],
            stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True,  # Ctrl-C and a terminal's hang-up do not reach it: it outlives the command
        )
    except OSError:
        os.close(write_end)
        return
    finally:
        os.close(read_end)
    _guardian_pipe = write_end
    os.environ[ENV] = token


_guardian_pipe: int | None = None


def marked(token: str) -> list[int]:
    """The processes whose environment carries ``token`` (but this one)."""
    needle = f"{ENV}={token}".encode()
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                env = fh.read()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(name))
    return found


def end_marked(token: str, grace: float = TERM_GRACE) -> None:
    """SIGTERM every process carrying ``token``, SIGKILL what is left after ``grace`` seconds."""
    began, termed = time.monotonic(), set()
    while True:
        pids = marked(token)
        if not pids:
            return
        late = time.monotonic() - began > grace
        for pid in pids:
            if late or pid not in termed:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL if late else signal.SIGTERM)
                termed.add(pid)
        if time.monotonic() - began > grace + 5:
            return
        time.sleep(0.1)


def _guardian(token: str, parent: int) -> None:
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)
    while os.getppid() == parent:
        ready, _, _ = select.select([0], [], [], 0.5)
        if ready and not os.read(0, 1):
            break
    end_marked(token)


if __name__ == "__main__":
    _guardian(sys.argv[1], int(sys.argv[2]))
