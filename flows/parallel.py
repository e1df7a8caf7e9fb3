"""Both cores on a cold run: extraction in worker processes, spaCy loaded once per worker.

Why it exists: extraction is pure Python under the GIL, so threads do not help and
one process uses one core. A run with many articles to extract hands each batch to
a pool of worker processes, split in one part per worker. The workers are forked
from a ``forkserver``: a fresh interpreter (nothing inherited from Prefect's threads)
that imports the pipeline and builds the spaCy pipeline once (``flows.warm``), so
every worker starts with it loaded, at the cost of one start-up, not one per worker.

The output does not depend on the number of workers: each article is extracted
on its own into its cache file, and the output files are assembled from the
cache in a fixed order afterwards (tested: byte-identical to one process).

Dask stays the way past one machine (``--dask``): there each task runs on one
Dask worker and no pool is used.

The pool is started at most once per process and reused; ``cxmetrics run`` starts
it before Prefect is up, with the run's work (``flows.early``), when it expects many
articles, so the workers' start-up and their first articles overlap Prefect's.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from flows import guard

# Below this many articles to extract, one process: starting a worker costs about
# as much as extracting a hundred articles (its imports and the spaCy pipeline).
MIN_PARALLEL_ARTICLES = 100

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_workers = 0


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers_for(n_articles: int, requested: int | None = None) -> int:
    """How many processes extract ``n_articles``: ``requested`` if given (at most one per
    article), else every core when there are at least ``MIN_PARALLEL_ARTICLES``."""
    if requested is not None:
        return max(1, min(requested, n_articles))
    if n_articles < MIN_PARALLEL_ARTICLES:
        return 1
    return max(1, min(available_cores(), n_articles // (MIN_PARALLEL_ARTICLES // 2)))


def _warm(main_pid: int | None = None) -> None:
    """In each worker, once: the pipeline (a no-op when the fork server had loaded it already),
    and the worker ends with the process it works for (``flows.guard``): killed with SIGKILL,
    that process cannot shut the pool down, and a worker waits on its queue forever
    (measured: both workers, the fork server and the resource tracker were left running).
    Ctrl-C reaches every process of the terminal's group: the process it works for decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if main_pid is not None:
        guard.watch_parent(main_pid)
    import flows.warm  # noqa: F401


def _context():
    """Fork server with the pipeline preloaded where the platform has one, else spawn."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["flows.warm"])
    return ctx


def _ready() -> bool:
    return True


def pool(workers: int) -> ProcessPoolExecutor:
    """The process pool with ``workers`` processes (started, or restarted with another size)."""
    global _pool, _pool_workers
    with _lock:
        if guard.stopping():  # no new workers while the command stops
            raise guard.Stopped()
        if _pool is not None and _pool_workers != workers:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_warm, initargs=(os.getpid(),))
            _pool_workers = workers
            # processes start on demand: one request each makes them all start (and warm up) now
            for _ in range(workers):
                _pool.submit(_ready)
        return _pool


def pool_workers() -> int:
    """How many processes the pool that is up has (0: none is up)."""
    with _lock:
        return _pool_workers if _pool is not None else 0


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown)


def _kill_workers() -> None:
    """On SIGTERM (``flows.guard``): the workers die at once; what they had in hand is not
    written (their cache files are written atomically, and a stopped run writes no output)."""
    ex = _pool
    processes = getattr(ex, "_processes", None) or {}  # ProcessPoolExecutor's pid -> process (3.14 has kill_workers())
    for pid in list(processes):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


guard.on_stop(_kill_workers)


def split(items: list, parts: int) -> list[list]:
    """``items`` in ``parts`` contiguous runs of nearly equal length (none empty)."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for k in range(parts):
        end = start + size + (1 if k < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def map_parts(fn: Callable[..., list], items: list, workers: int, *args) -> list:
    """``fn(*args, part)`` for each part of ``items`` on the pool, results concatenated in order.

    With one worker (or one item) it runs here, in this process. A pool that broke (a
    worker killed from outside) is replaced once and the parts run again: extraction
    writes each article's cache atomically, so running a part twice is harmless.
    """
    if workers <= 1 or len(items) <= 1:
        return fn(*args, items)
    for attempt in (1, 2):
        futures = [pool(workers).submit(fn, *args, part) for part in split(items, workers)]
        try:
            return [x for f in futures for x in f.result()]
        except BrokenProcessPool:
            if guard.stopping():
                raise guard.Stopped() from None
            shutdown()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
