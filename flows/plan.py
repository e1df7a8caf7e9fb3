"""What a run has to extract: the corpus listing held against the manifest.

One function for the flow and for ``cxmetrics run``, which plans the same work before
Prefect is up so the worker processes can start on it early (``flows/early.py``).
Pure apart from reading the listing, the manifest and whether a cache file exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows.io import CORRECTIONS_FILE, Entry, cache_path, list_corpus, load_manifest
from schemas.records import SCHEMA_VERSION


@dataclass
class Plan:
    entries: list[Entry]  # every file listed, sorted
    todo: list[Entry]  # new or changed (size or modification time), or without a cache file
    manifest: dict  # the last run's manifest ({} under --full)
    valid: bool  # the manifest was written by this extractor and schema
    known: dict  # the manifest's articles when valid, else {}
    new: int
    unchanged: int
    deleted: int


def work_version() -> str:
    """The cache key of extraction: the extractor's version and the readers' (a reader's
    change re-reads the files too)."""
    from pipeline.version import extractor_version
    from pipeline.formats import readers_version

    return f"{extractor_version()}.{readers_version()}"


def corrections_path(corpus: Path, corrections: str | None) -> Path:
    """``--corrections FILE``, else ``corrections.jsonl`` at the top of the corpus."""
    return Path(corrections) if corrections else corpus / CORRECTIONS_FILE


def _corpus_skip(corpus: Path, cpath: Path) -> frozenset[str]:
    skip = {CORRECTIONS_FILE}
    try:
        skip.add(cpath.resolve().relative_to(corpus.resolve()).as_posix())
    except ValueError:
        pass  # kept outside the corpus
    return frozenset(skip)


def list_articles(corpus: Path, max_bytes: int, corrections: str | None) -> list[Entry]:
    """The corpus listing a run works on: every file but the editors' corrections."""
    return list_corpus(corpus, max_bytes, skip=_corpus_skip(corpus, corrections_path(corpus, corrections)))


def _cached(path: Path) -> bool:
    """A cache file that is there and not empty (a power cut before the run's flush can leave
    a file written without its own fsync empty: ``flows.io.flush_writes``)."""
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def plan(out: Path, entries: list[Entry], version: str, full: bool, schema_version: str = SCHEMA_VERSION,
         limits: list | None = None) -> Plan:
    """Which of ``entries`` to extract: all under ``full`` or when the manifest is from another
    extractor or schema; else the new ones, those whose size or modification time changed,
    those whose cache file is gone or empty, and, when ``limits`` (``Limits.key()``) are not
    the last run's, those it quarantined for a limit (``too_long``, ``too_slow``, ``too_big``)."""
    manifest = {} if full else load_manifest(out)
    valid = manifest.get("extractor_version") == version and manifest.get("schema_version") == schema_version
    known = manifest.get("articles", {}) if valid else {}
    relimit = limits is not None and manifest.get("limits") != limits
    todo: list[Entry] = []
    new = unchanged = 0
    for e in entries:
        m = known.get(e.path)
        if m is None:
            new += 1
            todo.append(e)
        elif (m["size"], m["mtime_ns"]) != (e.size, e.mtime_ns) or not _cached(cache_path(out, e.path)) or (relimit and m.get("limited")):
            todo.append(e)
        else:
            unchanged += 1
    listed = {e.path for e in entries}
    deleted = sum(1 for p in known if p not in listed)
    return Plan(entries, todo, manifest, valid, known, new, unchanged, deleted)


def batches(items: list, size: int) -> list[list]:
    """``items`` in runs of ``size``: the flow's tasks, and the early start's in the same order."""
    return [items[i : i + size] for i in range(0, len(items), size)]
