"""Extraction that starts before Prefect is up (``cxmetrics run`` with worker processes).

Why it exists: a cold run spends its first seconds starting Prefect's temporary server
(about 5 s of one core here) while the worker processes, loaded already, would wait.
``cxmetrics run`` plans the same work the flow will (``flows.plan``) and hands it to the
pool at once, in the flow's batches, so the workers use the core the server leaves free.

No run lock is held yet, so the early work writes nothing the flow owns: each article's
cache file goes to a staging folder of this process (``.cxmetrics/early-<pid>/``). When a
flow batch asks for articles extracted early from the same file (same path, size and
modification time, the same extractor version and limits: ``flows.timelimit.Limits``), it waits for them and moves
their cache files in (``claim``) instead of extracting them again; it extracts any other
article itself, after all early work is done (``wait``), so an early write can never
land over a newer one. The run's output does not depend on any of this (tested: the
same bytes with and without). ``discard`` ends it: what has not started is cancelled,
the staging folder removed.
"""

from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import Future
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from pathlib import Path

from flows.io import Entry, cache_path, state_dir

STAGING_PREFIX = "early-"


@dataclass
class _Early:
    key: tuple  # (corpus, out, max_bytes, version, limits) as the flow passes them
    staging: Path
    ready: threading.Event = field(default_factory=threading.Event)  # the work is submitted
    where: dict[Entry, tuple[Future, int]] = field(default_factory=dict)  # entry -> its part's future, index
    futures: list[Future] = field(default_factory=list)
    failed: BaseException | None = None


_lock = threading.Lock()
_current: _Early | None = None


def _key(corpus, out, max_bytes: int, version: str, limits) -> tuple:
    return (str(Path(corpus).resolve()), str(Path(out).resolve()), int(max_bytes), version, limits)


def staging_dirs(out: Path) -> list[Path]:
    return sorted(state_dir(out).glob(f"{STAGING_PREFIX}*"))


def remove_stale(out: Path) -> None:
    """Staging folders left by processes that are gone (a run killed early); the caller holds the run lock."""
    for d in staging_dirs(out):
        try:
            pid = int(d.name[len(STAGING_PREFIX) :])
            os.kill(pid, 0)
            alive = True
        except (ValueError, ProcessLookupError):
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            shutil.rmtree(d, ignore_errors=True)


def start(corpus: Path, out: Path, batches: list[list[Entry]], workers: int, max_bytes: int, version: str, limits) -> None:
    """Hand ``batches`` (the flow's, in its order) to ``workers`` processes now, in the background."""
    global _current
    from flows.parallel import pool, split

    discard()
    staging = state_dir(out) / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    early = _Early(_key(corpus, out, max_bytes, version, limits), staging)
    with _lock:
        _current = early

    def submit() -> None:
        try:
            ex = pool(workers)  # waits for the fork server's preload the first time
            for batch in batches:
                for part in split(batch, workers):
                    fut = ex.submit(_extract, str(corpus), str(staging), max_bytes, version, limits, part)
                    early.futures.append(fut)
                    for i, e in enumerate(part):
                        early.where[e] = (fut, i)
        except BaseException as exc:  # noqa: BLE001 - the flow extracts whatever was not handed over
            early.failed = exc
        finally:
            early.ready.set()

    threading.Thread(target=submit, name="cxmetrics-early", daemon=True).start()


def _extract(*args) -> list[dict]:
    """In a worker: ``flows.batch.extract_entries``, named here so handing it over needs no
    import of the pipeline (spaCy) in the main process."""
    from flows.batch import extract_entries

    return extract_entries(*args)


def claim(corpus, out, entries: list[Entry], max_bytes: int, version: str, limits) -> dict[str, dict]:
    """For each of ``entries`` extracted early under the same key: wait for it, move its cache
    file into ``out``'s cache and return its summary (by path). The rest is not in the result."""
    early = _current
    if early is None or early.key != _key(corpus, out, max_bytes, version, limits):
        return {}
    early.ready.wait()
    got: dict[str, dict] = {}
    for e in entries:
        hit = early.where.get(e)
        if hit is None:
            continue
        fut, i = hit
        try:
            summary = fut.result()[i]
        except BaseException:  # noqa: BLE001 - a broken pool, a killed worker: extracted again by the flow
            continue
        src, dst = cache_path(early.staging, e.path), cache_path(Path(out), e.path)
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
        except OSError:
            continue
        got[e.path] = summary
    return got


def wait() -> None:
    """Until no early work is running (before the flow extracts anything itself)."""
    early = _current
    if early is not None:
        early.ready.wait()
        futures_wait(early.futures)  # failures are claim's to report (as not extracted)


def discard(wait: bool = True) -> None:
    """End the early work: cancel what has not started, wait for the rest, remove the staging
    folder. ``wait=False`` (a stopped run, its workers killed): remove it at once."""
    global _current
    with _lock:
        early, _current = _current, None
    if early is None:
        return
    if wait:
        early.ready.wait()
        for fut in early.futures:
            fut.cancel()
        futures_wait(early.futures)
    shutil.rmtree(early.staging, ignore_errors=True)
