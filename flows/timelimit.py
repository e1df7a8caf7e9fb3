"""Read and extract each article in a worker process, under limits of time and memory.

One article must never stop a run or exhaust the machine: a parser stuck on a hostile
PDF, a text the extractor needs minutes or gigabytes for. Neither can be interrupted
inside the process (C code; no signals in worker threads or on Dask workers), so each
article is read (bytes -> text, every format) and extracted (text -> records) in a child
process that can be killed. The child is started once per process that needs it and
reused for every article; one over a limit is killed (and restarted for the next article)
and the article quarantined; the run goes on. The limits (``Limits``), one set for every
article whatever its format:

- ``max_chars``: characters of text after reading (``too_long``, checked before extraction);
- ``parse_seconds``: reading the file (``too_slow``);
- ``extract_seconds``: extracting its figures (``too_slow``);
- ``max_memory_mb``: the child's resident memory while it reads and extracts (``too_big``;
  Linux, read from ``/proc``).

A child that crashes on an article (a C parser) is restarted and the article tried once
more; an exception in the extractor quarantines the article (``extraction_failed``).

The child is forked from its parent when that process has no other threads (a pool
worker, which has the pipeline loaded already: the child starts with it), else started
as ``python -m flows.timelimit`` with plain pipes (so it also works inside daemonic Dask
workers and beside Prefect's threads) and loads what it needs on its first article. The
time it loads for is no article's: the child says when each phase of an article begins.
It ends when its parent ends (``flows.guard.watch_parent``).

Messages on the pipes are pickles with an 8-byte length; only this module's two ends
speak the protocol.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import astuple, dataclass
from pathlib import Path

from flows import guard
from pipeline.formats.base import ArticleError

DEFAULT_PARSE_SECONDS = 60.0
# Measured here (2 shared cores): a 1.1 MB text of ordinary articles extracts in 9 s, a 196 KB
# one-sentence table of 12,000 figures in 10 s, a 100-page report (300 KB) in about 3 s.
DEFAULT_EXTRACT_SECONDS = 120.0
DEFAULT_MAX_CHARS = 2_000_000  # a 100-page PDF report is about 300,000 characters
# the child's resident memory: ~130 MB with the pipeline loaded; the 1.1 MB text peaks at
# 270 MB, the 12,000-figure table at 220 MB
DEFAULT_MAX_MEMORY_MB = 1024

_ROOT = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct("<Q")
_STARTUP_SECONDS = 120.0  # the child's imports, before an article's clock starts
_TICK = 0.05  # seconds between looks at the child's memory while it works
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Limits:
    """What one article may cost; over a limit it is quarantined with the limit's code."""

    parse_seconds: float = DEFAULT_PARSE_SECONDS
    extract_seconds: float = DEFAULT_EXTRACT_SECONDS
    max_chars: int = DEFAULT_MAX_CHARS
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB

    def key(self) -> list:
        """The limits as a plain list (the cache and the manifest remember them)."""
        return list(astuple(self))


# the codes of an article quarantined for a limit: extracted again when the limits change
LIMIT_CODES = ("too_long", "too_slow", "too_big")


def is_limit_reason(reason: str | None) -> bool:
    """Whether an article was quarantined for a limit (its reason starts with one of ``LIMIT_CODES``)."""
    return bool(reason) and reason.split(":", 1)[0] in LIMIT_CODES


class _Over(Exception):
    """The child went over a limit (the parent's side)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- the pipes


def _send(fh, obj) -> None:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    payload = memoryview(_HEADER.pack(len(body)) + body)
    while payload:  # unbuffered pipes: a write may take part of it
        payload = payload[fh.write(payload):]
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


def rss_bytes(pid: int) -> int | None:
    """The resident memory of process ``pid`` (Linux), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------- the parent's side


def _can_fork() -> bool:
    """Fork only a process whose only other threads are parent watchers (``flows.guard``)."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return False
    me = threading.current_thread()
    return all(t is me or t.name == guard.WATCH_THREAD for t in threading.enumerate())


class _Child:
    """One child process that reads and extracts articles on request."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        if _can_fork():
            self._fork()
        else:
            self._spawn()
        # the child says when it is ready to take requests
        if not self._readable(_STARTUP_SECONDS) or _recv(self.out) != ("ready", None):
            self.kill()
            raise OSError("the reading and extraction process did not start")

    def _spawn(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows.timelimit", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=str(_ROOT),
            bufsize=0,  # unbuffered: select() must see every message not yet read, none may wait in a buffer
        )
        self.pid, self.to, self.out = self.proc.pid, self.proc.stdin, self.proc.stdout

    def _fork(self) -> None:
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: serve, then leave without running the parent's exit handlers
            code = 0
            try:
                os.close(down_w)
                os.close(up_r)
                _serve(os.fdopen(down_r, "rb", buffering=0), os.fdopen(up_w, "wb", buffering=0), parent, forked=True)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(down_r)
        os.close(up_w)
        self.pid, self.to, self.out = pid, os.fdopen(down_w, "wb", buffering=0), os.fdopen(up_r, "rb", buffering=0)

    def _readable(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.out], [], [], max(0.0, seconds))
        return bool(ready)

    def rss_mb(self) -> float:
        rss = rss_bytes(self.pid)
        return 0.0 if rss is None else rss / 2**20

    def call(self, request: tuple, limits: Limits):
        """Send ``request``; return the child's answer, ``("ok", value)`` or ``("error", exc)``.
        Raises ``_Over`` past a limit, ``guard.Stopped`` when the command is stopping, EOFError
        when the child died."""
        _send(self.to, request)
        deadline = time.monotonic() + _STARTUP_SECONDS  # until the first phase begins
        while True:
            now = time.monotonic()
            if self._readable(min(_TICK, max(0.0, deadline - now))):
                kind, value = _recv(self.out)
                if kind != "phase":
                    return kind, value
                seconds = limits.parse_seconds if value == "read" else limits.extract_seconds
                deadline, self.phase = time.monotonic() + seconds, value
                continue
            if guard.stopping():
                raise guard.Stopped()
            if self.rss_mb() > limits.max_memory_mb:
                raise _Over("too_big")
            if time.monotonic() >= deadline:
                raise _Over("too_slow")

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            if self.proc is not None:
                self.proc.wait(timeout=5)
            else:
                os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError, subprocess.TimeoutExpired):
            pass
        for fh in (self.to, self.out):
            try:
                fh.close()
            except OSError:
                pass

    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False


# Tests whose point is the code running in the test's own process (a monkeypatched schema)
# set this: articles are then read and extracted here, without the time and memory limits.
IN_THIS_PROCESS = False

_lock = threading.Lock()
_child: _Child | None = None
_child_pid = 0  # of this process: a forked copy of it must start a child of its own


def _current() -> _Child:
    global _child, _child_pid
    if _child is not None and (_child_pid != os.getpid() or not _child.alive()):
        if _child_pid == os.getpid():
            _child.kill()
        _child = None
    if _child is None:
        _child, _child_pid = _Child(), os.getpid()
    return _child


def _drop() -> None:
    global _child
    if _child is not None and _child_pid == os.getpid():
        _child.kill()
    _child = None


def shutdown() -> None:
    with _lock:
        _drop()


def _kill_on_stop() -> None:
    """On SIGTERM (``flows.guard``): the child dies at once; the article it had is not written."""
    child = _child
    if child is not None and _child_pid == os.getpid():
        try:
            os.kill(child.pid, signal.SIGKILL)
        except OSError:
            pass


guard.on_stop(_kill_on_stop)
atexit.register(shutdown)


def _limit_reason(code: str, phase: str, fmt: str, limits: Limits) -> ArticleError:
    what = f"reading the {fmt} file" if phase == "read" else "extracting its figures"
    if code == "too_slow":
        seconds = limits.parse_seconds if phase == "read" else limits.extract_seconds
        return ArticleError("too_slow", f"{what} took longer than {seconds:g} s; stopped")
    return ArticleError("too_big", f"{what} needed more than {limits.max_memory_mb} MB of memory; stopped")


def read_and_extract(path: str, data: bytes, limits: Limits = Limits()):
    """``(article, mentions, rejections, studies)`` of a corpus file's bytes (a
    ``pipeline.article.Article`` and the lists of ``pipeline.extract.Extraction``: plain data,
    so this process needs no spaCy), read and extracted in the child under ``limits``.

    Raises ArticleError with the quarantine reason: the readers' codes, ``too_long``,
    ``too_slow``, ``too_big``, ``extraction_failed``; ``guard.Stopped`` when the command stops.
    """
    from pipeline.formats import format_of

    if IN_THIS_PROCESS:
        return _article(lambda _phase: None, path, data, limits.max_chars)
    fmt = format_of(path) or "unknown"
    with _lock:
        for attempt in (1, 2):
            try:
                child = _current()
            except (OSError, EOFError) as exc:
                _drop()
                raise ArticleError("unreadable", f"the reading and extraction process could not start ({exc})") from None
            child.phase = "start"
            try:
                status, value = child.call(("article", path, data, limits.max_chars), limits)
            except _Over as over:
                phase = child.phase
                _drop()
                raise _limit_reason(over.code, phase, fmt, limits) from None
            except guard.Stopped:
                _drop()
                raise
            except (EOFError, OSError, pickle.UnpicklingError, struct.error):
                # the child died (a crash in a C parser, killed from outside): once more in a fresh one
                phase = getattr(child, "phase", "start")
                _drop()
                if guard.stopping():
                    raise guard.Stopped() from None
                if attempt == 2:
                    what = f"the {fmt} reader" if phase in ("start", "read") else "the extractor"
                    raise ArticleError("unreadable" if phase != "extract" else "extraction_failed", f"{what} crashed on this file") from None
                continue
            if child.rss_mb() > limits.max_memory_mb / 2:
                _drop()  # the next article starts in a fresh child, not in what this one left
            if status == "ok":
                return value
            raise value
    raise AssertionError("unreachable")


def prestart() -> None:
    """Start this process's child now and let it load the pipeline, in the background (a run
    that extracts in this process does so while Prefect starts)."""

    def start() -> None:
        try:
            with _lock:
                _send(_current().to, ("warm",))
        except (OSError, EOFError):
            pass

    threading.Thread(target=start, name="cxmetrics-prestart", daemon=True).start()


# --------------------------------------------------------------------------- the child's side


def _article(phase, path: str, data: bytes, max_chars: int):
    """In the child: bytes -> text (the "read" phase) -> Article and its figures (the "extract"
    phase), each phase announced when its work starts (imports done)."""
    from pipeline.article import build_article
    from pipeline.formats import TEXT_FORMATS, format_of, read_document

    fmt = format_of(path)
    structured = fmt is not None and fmt not in TEXT_FORMATS
    _import_reader(fmt if structured else "text")
    if not structured:  # decoding a .txt or .md is linear and bounded by the size limit: the extract phase's
        _import_extractor()
        phase("extract")

    def read(fmt: str, data: bytes):
        if structured:
            phase("read")
        try:
            doc = read_document(fmt, data)
        except (ArticleError, MemoryError):
            raise
        except RecursionError:
            raise ArticleError("unreadable", f"the {fmt} file is nested too deeply to read") from None
        except Exception as exc:  # a reader bug must not take the run down: the file is quarantined with it
            raise ArticleError("unreadable", f"the {fmt} reader failed ({type(exc).__name__}: {str(exc)[:120]})") from None
        if len(doc.text) > max_chars:
            raise ArticleError("too_long", f"the text is {len(doc.text):,} characters, over the limit of {max_chars:,}; not extracted")
        if structured:
            _import_extractor()
            phase("extract")
        return doc

    try:
        article = build_article(path, data, read=read)  # its title and date: the extract phase's
        result = _extract(article)
    except (ArticleError, MemoryError):
        raise
    except RecursionError:
        raise ArticleError("extraction_failed", "the text is nested too deeply to extract") from None
    except Exception as exc:
        raise ArticleError("extraction_failed", f"the extractor failed ({type(exc).__name__}: {str(exc)[:120]})") from None
    return article, result.mentions, result.rejections, result.studies


def _import_reader(fmt: str) -> None:
    import importlib

    try:
        importlib.import_module(f"pipeline.formats.{fmt}")
    except ImportError:
        pass


_WARM = (  # what an extraction loads on first use (rules, word lists, dates), loaded before any article's clock
    "Klanten wachten langer\n\n12 maart 2024 - Uit onderzoek van Klantpanel blijkt dat 41 procent van de klanten "
    "de wachttijd te lang vindt, vorig jaar was dat nog ruim een derde. De Net Promoter Score daalde naar -4."
)
_warmed = False


def _import_extractor() -> None:
    global _warmed
    if not _warmed:
        from pipeline.extract import extract_text

        extract_text(_WARM)
        _warmed = True


def _extract(article):
    from pipeline.extract import extract

    return extract(article)


def _serve(stdin, stdout, parent: int, forked: bool = False) -> None:
    """The child: answer requests until the parent closes the pipe or ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if forked:
        guard.forget_parent_state()
    guard.watch_parent(parent)
    _send(stdout, ("ready", None))
    while True:
        try:
            request = _recv(stdin)
        except EOFError:
            return
        if request[0] == "warm":
            _import_extractor()
            continue
        try:
            result = ("ok", _article(lambda name: _send(stdout, ("phase", name)), *request[1:]))
        except ArticleError as exc:
            result = ("error", exc)
        except MemoryError:
            result = ("error", ArticleError("too_big", "extracting it ran out of memory; stopped"))
        _send(stdout, result)


if __name__ == "__main__":
    _stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not corrupt the pipe
    _serve(sys.stdin.buffer, _stdout, int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())
