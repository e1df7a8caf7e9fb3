"""Run the file readers under a time limit, in a worker process that can be killed.

A parser stuck on a hostile web page or PDF cannot be interrupted inside the
process (C code, no signals in worker threads or on Dask workers), so the
readers of the structured formats run in a child process: started once per
process that needs it (``python -m flows.timelimit``, plain pipes, so it also
works inside daemonic Dask workers where ``multiprocessing`` may not fork),
reused for every file, killed and restarted when a file takes longer than the
limit. That file is quarantined as ``too_slow``; the run goes on.

Messages on the pipes are pickles with an 8-byte length; only this module's two
ends speak the protocol.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
from pathlib import Path

from pipeline.formats import Document, read_document
from pipeline.formats.base import ArticleError

DEFAULT_PARSE_SECONDS = 60.0
_ROOT = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct("<Q")
_STARTUP_SECONDS = 120.0


def _send(fh, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_HEADER.pack(len(payload)) + payload)
    fh.flush()


def _recv_exact(fh, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = fh.read(n - len(buf))
        if not chunk:
            raise EOFError("pipe closed")
        buf += chunk
    return bytes(buf)


def _recv(fh):
    (n,) = _HEADER.unpack(_recv_exact(fh, _HEADER.size))
    return pickle.loads(_recv_exact(fh, n))


class _Worker:
    """One child process reading files on request."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows.timelimit"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=str(_ROOT),
        )
        # the child says when its imports are done: that time is not any file's
        if self._wait(_STARTUP_SECONDS) is False or _recv(self.proc.stdout) != ("ready", None):
            self.kill()
            raise OSError("the reader process did not start")

    def _wait(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, seconds))
        return bool(ready)

    def call(self, fmt: str, data: bytes, seconds: float):
        _send(self.proc.stdin, (fmt, data))
        if not self._wait(seconds):
            raise TimeoutError
        return _recv(self.proc.stdout)

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


_lock = threading.Lock()
_worker: _Worker | None = None


def _shutdown() -> None:
    global _worker
    if _worker is not None:
        _worker.kill()
        _worker = None


atexit.register(_shutdown)


def read_with_time_limit(fmt: str, data: bytes, seconds: float = DEFAULT_PARSE_SECONDS) -> Document:
    """``pipeline.formats.read_document`` in the worker; ArticleError('too_slow') past ``seconds``."""
    global _worker
    with _lock:
        for attempt in (1, 2):
            if _worker is None or _worker.proc.poll() is not None:
                try:
                    _worker = _Worker()
                except (OSError, EOFError) as exc:
                    _worker = None
                    raise ArticleError("unreadable", f"the reader process for {fmt} files could not start ({exc})") from None
            try:
                status, value = _worker.call(fmt, data, seconds)
            except TimeoutError:
                _worker.kill()
                _worker = None
                raise ArticleError("too_slow", f"reading the {fmt} file took longer than {seconds:g} s; stopped") from None
            except (EOFError, OSError, pickle.UnpicklingError, struct.error):
                # the child died (a crash in a C parser, killed from outside): once more in a fresh one
                _worker.kill()
                _worker = None
                if attempt == 2:
                    raise ArticleError("unreadable", f"the {fmt} reader crashed on this file") from None
                continue
            if status == "ok":
                return value
            raise value


def reader(seconds: float = DEFAULT_PARSE_SECONDS):
    """A ``read(fmt, data)`` for ``build_article``: text formats in-process, the others under the time limit."""
    from pipeline.formats import TEXT_FORMATS

    def read(fmt: str, data: bytes) -> Document:
        if fmt in TEXT_FORMATS:
            return read_document(fmt, data)
        return read_with_time_limit(fmt, data, seconds)

    return read


def _serve() -> None:
    """The child: read requests until the parent closes the pipe."""
    import pipeline.formats.docx  # noqa: F401  (imported once, before the first file's clock starts)
    import pipeline.formats.html  # noqa: F401
    import pipeline.formats.pdf  # noqa: F401

    try:
        import trafilatura  # noqa: F401
        import pypdf  # noqa: F401
        import docx  # noqa: F401
    except ImportError:
        pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not corrupt the pipe
    _send(stdout, ("ready", None))
    while True:
        try:
            fmt, data = _recv(stdin)
        except EOFError:
            return
        try:
            result = ("ok", read_document(fmt, data))
        except ArticleError as exc:
            result = ("error", exc)
        except RecursionError:
            result = ("error", ArticleError("unreadable", f"the {fmt} file is nested too deeply to read"))
        except Exception as exc:  # a reader bug must not take the run down: the file is quarantined with it
            result = ("error", ArticleError("unreadable", f"the {fmt} reader failed ({type(exc).__name__}: {str(exc)[:120]})"))
        _send(stdout, result)


if __name__ == "__main__":
    _serve()
