"""File I/O at the edge: corpus listing, safe reads, atomic writes, the run lock, the manifest.

Everything that touches the disk lives here or in the flows; ``pipeline`` stays pure.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flows import testhooks
from pipeline.article import SUPPORTED_SUFFIXES

STATE_DIR = ".cxmetrics"  # inside the output folder: manifest, per-article cache, lock
TEXTS_DIR = "texts"  # inside the output folder: the text each article yields, which spans point into
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
CORRECTIONS_FILE = "corrections.jsonl"  # editors' corrections, at the top of the corpus folder by default
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: os.umask can only be read by setting it


class RunError(RuntimeError):
    """The run itself cannot happen (corpus missing, output not writable, locked)."""


# What a folder that cannot take a write says: full, over quota, read-only, not ours, a file
# too large for it. A run that meets one stops with one line (``OutputError``); any other
# error writing is retried as transient (a task's retries).
FOLDER_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})


class WriteError(OSError):
    """Writing ``filename`` failed for a reason of its folder (one of ``FOLDER_ERRNOS``)."""


class OutputError(RunError):
    """The output folder cannot be written (a full disk, a quota, read-only, no permission):
    the run stops, with one line naming the folder and what failed."""


def folder_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FOLDER_ERRNOS


def output_error(out: Path, exc: OSError, what: str | None = None, unchanged: bool = True) -> OutputError:
    """The one line for a write into ``out`` that failed with ``exc``."""
    if what is None:
        target = Path(exc.filename) if exc.filename else None
        try:
            shown = target.relative_to(out).as_posix() if target is not None else None
        except ValueError:
            shown = str(target)
        what = f"writing {shown}" if shown else "writing"
    tail = "the previous output is unchanged" if unchanged else "the output files are whole; the next run completes them"
    return OutputError(f"cannot write to output folder {out}: {what} failed: {exc.strerror or exc}; {tail}")


def dumps(obj) -> str:
    """One JSON Lines line: real UTF-8 characters, stable key order as given."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- atomic writes


# Where the platform cannot flush everything at once (no os.sync), every file is fsynced.
_EACH_DURABLE = not hasattr(os, "sync")


class Staged:
    """A file written in full to a temp file beside ``path``, not yet in place.

    ``with Staged(path) as fh:`` writes (and fsyncs) the temp file; ``commit()`` then renames
    it over ``path``, ``discard()`` removes it. A run stages all its outputs and its manifest
    before it renames any (a full disk fails a write, never a rename), so the outputs are
    those of the last run or of this one, whole. A write the folder refuses (full, read-only:
    ``FOLDER_ERRNOS``) raises ``WriteError`` naming the file; the temp file is removed.
    """

    def __init__(self, path: Path, durable: bool = True) -> None:
        self.path, self.durable, self.tmp = Path(path), durable, None

    def __enter__(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise _named(exc, self.path) from None
        try:
            os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; downstream readers need the usual mode
            self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        except BaseException:
            os.close(fd)
            self.discard()
            raise
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:  # the writer failed: that error stands, the temp file goes
            with contextlib.suppress(OSError):
                self.fh.close()
            self.discard()
            if isinstance(exc, OSError) and not isinstance(exc, WriteError) and exc.errno in FOLDER_ERRNOS:
                raise _named(exc, self.path) from None  # a write that filled the disk: named, as in the flush below
            return
        try:
            with self.fh:
                self.fh.flush()
                testhooks.write_fails(self.path)
                if self.durable or _EACH_DURABLE:
                    os.fsync(self.fh.fileno())
        except OSError as err:
            self.discard()
            raise _named(err, self.path) from None
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise _named(exc, self.path) from None
        self.tmp = None

    def discard(self) -> None:
        if self.tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)
            self.tmp = None


def _named(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path``; a ``WriteError`` when the folder refused the write."""
    cls = WriteError if exc.errno in FOLDER_ERRNOS else OSError
    return cls(exc.errno, exc.strerror, str(path))


@contextlib.contextmanager
def atomic_writer(path: Path, durable: bool = True) -> Iterator:
    """Write to a temp file beside ``path``, fsync, then rename over it: readers never see half a file.

    ``durable=False`` skips the fsync, for the files a run writes one per article (cache
    files, stored texts): derived from the corpus, thousands on a cold run, and flushed
    together by ``flush_writes`` before the manifest that vouches for them is saved.
    """
    staged = Staged(path, durable)
    with staged as fh:
        yield fh
    staged.commit()


def atomic_write_lines(path: Path, records: Iterable) -> int:
    n = 0
    with atomic_writer(path) as fh:
        for rec in records:
            fh.write(dumps(rec) + "\n")
            n += 1
    return n


def atomic_write_json(path: Path, obj, durable: bool = True) -> None:
    # json.dumps, not json.dump: dump streams through the pure-Python encoder (6x slower on a
    # cache file); the text written is the same
    text = json.dumps(obj, ensure_ascii=False)
    with atomic_writer(path, durable) as fh:
        fh.write(text)


def flush_writes() -> None:
    """Put every file written without its own fsync (``durable=False``) on disk, in one call.

    Measured on this machine: 2,000 files of 35 KB, each fsynced, 0.74 s and 0.32 s of CPU;
    written plainly and flushed by one ``os.sync``, 0.15 s and 0.11 s. A run calls it before
    saving the manifest, so a manifest never names a cache file or text that a power cut
    could still empty (and ``flows.plan`` extracts again an article whose cache file is empty).
    """
    if not _EACH_DURABLE:
        os.sync()


def iter_jsonl(path: Path, missing_ok: bool = False) -> Iterator[dict]:
    """The records of a JSON Lines file one at a time (blank lines skipped); nothing
    for a missing file when ``missing_ok``."""
    try:
        fh = path.open(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    with fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_jsonl(path: Path) -> list[dict]:
    return list(iter_jsonl(path))


# --------------------------------------------------------------------------- lock


@contextlib.contextmanager
def run_lock(out_dir: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """One run per output folder. A second run waits up to ``wait_seconds``, then fails clearly."""
    state = out_dir / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        fh = (state / "run.lock").open("a+")
    except OSError as exc:
        raise RunError(f"output folder {out_dir} is not writable: {exc.strerror or exc}") from None
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                fh.close()
                raise RunError(
                    f"another cxmetrics run is writing to {out_dir} (lock {state / 'run.lock'}); try again when it ends"
                ) from None
            time.sleep(0.2)
    try:
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
        except OSError as exc:  # the pid is for people; a full disk is the run's problem, said once
            if exc.errno not in FOLDER_ERRNOS:
                raise
            raise OutputError(f"cannot write to output folder {out_dir}: writing the run lock failed: {exc.strerror}; "
                              "the previous output is unchanged") from None
        yield
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise RunError(f"output folder {out_dir} is not writable: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Entry:
    """One file in the corpus as listed: enough to decide whether to read it."""

    path: str  # relative to the corpus root, '/'-separated
    size: int
    mtime_ns: int
    problem: str | None = None  # a quarantine reason known without reading


def list_corpus(corpus: Path, max_bytes: int = DEFAULT_MAX_BYTES, skip: frozenset[str] = frozenset({CORRECTIONS_FILE})) -> list[Entry]:
    """Every file under ``corpus`` (recursively), sorted; nothing is skipped silently.

    Hidden files and our own temp files are not articles, nor are the paths in ``skip``
    (relative to the corpus: by default the editors' ``corrections.jsonl`` at its top).
    Symbolic links that point outside the corpus are listed with a problem and never followed.
    """
    if not corpus.is_dir():
        raise RunError(f"corpus folder {corpus} does not exist or is not a folder")
    root = corpus.resolve()
    out: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(corpus).as_posix()
            if rel in skip:
                continue
            problem = None
            try:
                if full.is_symlink():
                    target = full.resolve()
                    if root not in target.parents and target != root:
                        out.append(Entry(rel, 0, 0, "symlink_outside_corpus: the link points outside the corpus; not followed"))
                        continue
                st = full.stat()
            except OSError as exc:
                out.append(Entry(rel, 0, 0, f"unreadable: {exc.strerror or exc}"))
                continue
            suffix = full.suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                problem = f"unsupported_extension: '{suffix or '(none)'}' is not supported; supported: {', '.join(SUPPORTED_SUFFIXES)}"
            elif st.st_size > max_bytes:
                problem = f"too_large: {st.st_size} bytes is over the limit of {max_bytes} bytes"
            out.append(Entry(rel, st.st_size, st.st_mtime_ns, problem))
    return out


def read_entry(corpus: Path, entry: Entry, max_bytes: int) -> bytes:
    """The file's bytes, read at most ``max_bytes + 1`` so a file that grew is not read whole."""
    with (corpus / entry.path).open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(f"too_large: grew past the limit of {max_bytes} bytes since it was listed")
    return data


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- manifest and cache


def state_dir(out_dir: Path) -> Path:
    return out_dir / STATE_DIR


def cache_path(out_dir: Path, rel_path: str) -> Path:
    key = hashlib.sha256(rel_path.encode("utf-8")).hexdigest()[:32]
    return state_dir(out_dir) / "cache" / key[:2] / f"{key}.json"


def load_manifest(out_dir: Path) -> dict:
    path = state_dir(out_dir) / "manifest.json"
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # a missing or broken manifest only costs time


def manifest_path(out_dir: Path) -> Path:
    return state_dir(out_dir) / "manifest.json"


def save_manifest(out_dir: Path, manifest: dict) -> None:
    atomic_write_json(manifest_path(out_dir), manifest)


def stage_manifest(out_dir: Path, manifest: dict) -> Staged:
    """The manifest written to its temp file, not yet in place (``Staged.commit``)."""
    staged = Staged(manifest_path(out_dir))
    with staged as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False))
    return staged


def remove_temp_files(out_dir: Path, staging: Path | None = None) -> None:
    """The temp files a stopped or failed run can leave in ``out_dir`` (outputs, cache files,
    texts, report pages being written; the split assembly's parts) and ``staging`` (an early
    start's folder). The caller holds the run lock, or knows the files are its own."""
    import shutil

    state = state_dir(out_dir)
    for pattern in (".*.tmp", f"{STATE_DIR}/.*.tmp", f"{STATE_DIR}/cache/*/.*.tmp", f"{TEXTS_DIR}/.*.tmp",
                    "report/.*.tmp", "report/*/.*.tmp"):
        for f in out_dir.glob(pattern):
            with contextlib.suppress(OSError):
                f.unlink()
    for d in [state / "assembly", *([staging] if staging is not None else [])]:
        shutil.rmtree(d, ignore_errors=True)


def load_cache(path: Path) -> dict | None:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- stored texts


def text_relpath(article_id: str) -> str:
    """``texts/<article_id>.txt`` (relative to the output folder); a name too long for the file system is shortened with a hash."""
    name = f"{article_id}.txt"
    if len(name.encode("utf-8")) > 240:
        digest = hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:16]
        stem = article_id.encode("utf-8")[:200].decode("utf-8", errors="ignore")
        name = f"{stem}-{digest}.txt"
    return f"{TEXTS_DIR}/{name}"


def sync_text(out_dir: Path, relpath: str, text: str) -> bool:
    """Write the article's text unless the file already holds exactly it (no rewrite, no fsync); True if written."""
    path = out_dir / relpath
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    with atomic_writer(path, durable=False) as fh:  # flushed with the run's other writes (flush_writes)
        fh.write(text)
    return True


def prune_texts(out_dir: Path, keep: set[str]) -> None:
    """Remove stored texts of articles that are gone (and temp files of an interrupted write)."""
    root = out_dir / TEXTS_DIR
    if not root.is_dir():
        return
    for f in root.iterdir():
        if f.is_file() and f"{TEXTS_DIR}/{f.name}" not in keep:
            f.unlink(missing_ok=True)
