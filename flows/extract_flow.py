"""The extraction flow: corpus folder in, validated JSON Lines out.

Why it exists: editors drop articles into ``corpus/`` at any time; this flow
turns every new or changed article into mention records, quarantines what it
cannot use, and rewrites ``metrics.jsonl``, ``articles.jsonl`` and
``rejected.jsonl`` so they always equal what a full run from scratch writes.

Orchestration is batched: one task per ``batch_size`` articles (a Prefect task
run costs ~30 ms here, an article a few ms), and tasks write their results to a
per-article cache beside the output instead of returning them, so memory does
not grow with the corpus. The manifest next to the output remembers what was
processed, so a rerun with nothing changed does almost no work.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.io import (
    DEFAULT_MAX_BYTES,
    Entry,
    OutputError,
    RunError,
    Staged,
    cache_path,
    check_writable,
    dumps,
    flush_writes,
    folder_error,
    load_cache,
    output_error,
    prune_texts,
    remove_temp_files,
    run_lock,
    sha256_file,
    stage_manifest,
    state_dir,
)
from flows import early, guard
from flows.batch import extract_entries, process_entry  # noqa: F401  (process_entry: the flow's per-article step)
from flows.assembly import COUNTS, Counts, Written, append_part, write_articles, write_part
from flows.parallel import MIN_PARALLEL_ARTICLES, map_parts, pool, pool_workers, split, workers_for
from flows.parallel import shutdown as shutdown_pool
from flows.plan import batches, corrections_path, list_articles, plan, work_version
from flows.timelimit import DEFAULT_EXTRACT_SECONDS, DEFAULT_MAX_CHARS, DEFAULT_MAX_MEMORY_MB, DEFAULT_PARSE_SECONDS, Limits
from flows.testhooks import pause_at
from pipeline.article import article_id_for, sha256_bytes
from pipeline.corrections import Parsed, invalid_reports, orphan_reports, parse_corrections
from pipeline.corpus_studies import build_findings, keep_study, link_studies, study_record
from schemas.records import SCHEMA_VERSION, FindingRecord, StudyRecord

OUTPUT_FILES = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl", "studies.jsonl", "findings.jsonl")
DEFAULT_BATCH_SIZE = 200


# --------------------------------------------------------------------------- tasks


@task(name="extract-batch", retries=2, retry_delay_seconds=1)
def extract_batch(
    corpus: str,
    out: str,
    entries: list[Entry],
    max_bytes: int,
    version: str,
    limits: Limits = Limits(),
    workers: int = 1,
) -> list[dict] | OutputError:
    """Extract a batch of articles into the cache; return one small summary per article.

    With ``workers`` > 1 the batch is split over that many worker processes (``flows.parallel``).
    Articles ``cxmetrics run`` extracted early, before Prefect was up, are taken from
    there (``flows.early``); the rest is extracted here, once that early work is done.
    Each article is read and extracted under ``limits`` (``flows.timelimit``). Retries
    cover transient I/O errors writing the cache; bad input never raises. An output folder
    that refuses the cache (full, read-only) is returned as the ``OutputError``, not raised:
    retrying cannot help, and the run reports it in one line, not in Prefect's tracebacks.
    """
    try:
        done = early.claim(corpus, out, entries, max_bytes, version, limits)
        rest = [e for e in entries if e.path not in done]
        if rest:
            early.wait()  # an early write never lands after ours
            for summary in map_parts(extract_entries, rest, workers, corpus, out, max_bytes, version, limits):
                done[summary["path"]] = summary
    except OutputError as exc:
        return exc
    return [done[e.path] for e in entries]


# --------------------------------------------------------------------------- assembly


@dataclass
class RunSummary(Counts):
    by_kind: dict = field(default_factory=dict)
    studies: int = 0  # lines of studies.jsonl
    shared_studies: int = 0  # studies reported by more than one article
    findings: int = 0
    conflicts: int = 0
    new: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    processed: int = 0
    tasks: int = 0  # extraction task runs submitted (batches)
    out: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# what a run with nothing to do reports from the manifest (the output it did not rewrite)
_KEPT = (*COUNTS, "by_kind", "studies", "shared_studies", "findings", "conflicts")


def load_corrections(path: Path) -> tuple[Parsed, str]:
    """The editors' corrections (none when the file does not exist) and the SHA-256 of the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Parsed(), ""
    return parse_corrections(data.decode("utf-8", errors="replace")), sha256_bytes(data)


@dataclass
class Assembled:
    """The output files written to temp files beside them, not yet in place (``commit``)."""

    staged: list[Staged]
    texts: set[str]  # the stored texts the output names (the others are removed on commit)

    def discard(self) -> None:
        for st in self.staged:
            st.discard()


def assemble(
    out: Path,
    entries: list[Entry],
    summary: RunSummary,
    corrections: Parsed | None = None,
    corpus: Path | None = None,
    extracted: dict[str, dict] | None = None,
) -> Assembled:
    """Write the output files from the cache, streaming, in a fixed order, to temp files
    beside them: ``commit`` puts them in place.

    Editors' corrections are applied here, after extraction, so the cache always holds
    the extractor's own output and a changed correction never forces a re-extraction.
    ``extracted``: this run's batch summaries by path, which carry each article's studies
    (read from the cache only for the articles not extracted now). The articles' lines
    are written by ``flows.assembly``: split over the worker processes when a run has
    them up and many articles, else here.
    """
    pending = dict(corrections.by_article) if corrections else {}
    order = sorted(entries, key=lambda e: (article_id_for(e.path), e.path))
    article_studies = _article_studies(out, order, extracted or {})
    groups, study_ids = link_studies(article_studies.items())
    items: list[tuple[Entry, str | None]] = []  # each file, and the file that already has its article id
    first_of: dict[str, str] = {}
    for e in order:
        aid = article_id_for(e.path)
        items.append((e, first_of.get(aid)))
        first_of.setdefault(aid, e.path)
    written = Written()
    staged = [Staged(out / name) for name in OUTPUT_FILES]
    try:
        with contextlib.ExitStack() as files:
            fm, fa, fr, fs, ff = (files.enter_context(st) for st in staged)
            workers = pool_workers()
            parts = None
            if workers > 1 and len(items) >= MIN_PARALLEL_ARTICLES:
                try:
                    parts = _write_parts(out, corpus, split(items, workers), article_studies, study_ids, pending, workers)
                except BrokenProcessPool:  # a worker killed from outside: nothing is joined yet, so write here
                    if guard.stopping():
                        raise guard.Stopped() from None
                    shutdown_pool()
            if parts is None:
                written = write_articles(out, corpus, items, article_studies, study_ids, pending, fm, fa, fr)
            else:
                sinks = {"metrics.jsonl": fm, "articles.jsonl": fa, "rejected.jsonl": fr}
                try:
                    for part in parts:
                        append_part(part, sinks)
                        written.add(part)
                finally:
                    shutil.rmtree(state_dir(out) / "assembly", ignore_errors=True)
                for aid in first_of:  # the corrections the parts applied (to each article id's first file)
                    pending.pop(aid, None)
            pause_at("writing")  # the outputs are temp files, not yet renamed
            # corrections of articles no longer in the corpus, and lines that do not validate: reported last
            for aid in sorted(pending):
                for r in orphan_reports(pending[aid], aid):
                    fr.write(dumps(r) + "\n")
            for r in invalid_reports(corrections) if corrections else []:
                fr.write(dumps(r) + "\n")
            _write_studies(fs, ff, groups, study_ids, written.study_counts, written.figures, summary)
    except BaseException:
        for st in staged:
            st.discard()
        raise
    summary.add_counts(written)
    summary.by_kind = dict(sorted(written.kinds.items()))
    return Assembled(staged, written.texts)


def commit(out: Path, assembled: Assembled | None, manifest: Staged) -> None:
    """Put a run's staged outputs in place, then its manifest: renames only (a full disk
    fails the writes before them, never these), together (a SIGTERM waits for them)."""
    with guard.deferred():
        try:
            for st in assembled.staged if assembled else ():
                st.commit()
            pause_at("assembled")  # the outputs renamed into place, the manifest not yet saved
            manifest.commit()
        except BaseException:
            if assembled:
                assembled.discard()
            manifest.discard()
            raise
    if assembled:
        prune_texts(out, assembled.texts)


def _write_parts(out: Path, corpus: Path | None, parts: list, article_studies: dict, study_ids: dict, pending: dict, workers: int) -> list[Written]:
    """``flows.assembly.write_part`` for each part of the articles on the worker pool, in order
    (their part files under ``.cxmetrics/assembly/``, removed by the caller once joined). Each
    part gets the studies, study ids and corrections of its own articles only."""
    root = state_dir(out) / "assembly"
    shutil.rmtree(root, ignore_errors=True)
    futures = []
    for k, part in enumerate(parts):
        aids = {article_id_for(e.path) for e, _u in part}
        futures.append(pool(workers).submit(
            write_part, str(out), str(corpus) if corpus is not None else None, str(root / f"part-{k:03d}"), part,
            {a: v for a, v in article_studies.items() if a in aids},
            {key: v for key, v in study_ids.items() if key[0] in aids},
            {a: v for a, v in pending.items() if a in aids},
        ))
    try:
        return [f.result() for f in futures]
    except BaseException:
        for f in futures:
            f.cancel()
        shutil.rmtree(root, ignore_errors=True)
        raise


def _article_studies(out: Path, order: list[Entry], extracted: dict[str, dict]) -> dict[str, list[dict]]:
    """The studies of each article written (the first file of an article id): from this run's
    batch summaries, else from the cache."""
    found: dict[str, list[dict]] = {}
    for e in order:
        done = extracted.get(e.path)
        if done is not None:
            aid, studies = done["article_id"], done["studies"]
        else:
            cached = load_cache(cache_path(out, e.path))
            if cached is None:
                continue
            aid = cached["article"]["article_id"]
            studies = cached.get("studies", []) if cached["article"]["status"] == "ok" else []
        if aid not in found:
            found[aid] = studies
    return found


def _write_studies(fs, ff, groups, study_ids: dict, counts: Counter, figures: list, summary: RunSummary) -> None:
    """studies.jsonl and findings.jsonl (pipeline.corpus_studies), in a fixed order."""
    records = []
    for group in groups:
        sid = study_ids[(group[0].article_id, group[0].study["study_id"])]
        if keep_study(group, counts[sid]):
            records.append(study_record(sid, group, counts[sid], SCHEMA_VERSION))
    for rec in sorted(records, key=lambda r: ((r["organizations"] or [""])[0].lower(), r["year"] or 0, r["name"] or "", r["study_id"])):
        fs.write(dumps(StudyRecord.model_validate(rec).model_dump(mode="json")) + "\n")
        summary.studies += 1
        summary.shared_studies += len(rec["article_ids"]) > 1
    for rec in build_findings(figures, SCHEMA_VERSION):
        ff.write(dumps(FindingRecord.model_validate(rec).model_dump(mode="json")) + "\n")
        summary.findings += 1
        summary.conflicts += rec["conflict"]


def _prune_cache(out: Path, keep: set[str]) -> None:
    root = state_dir(out) / "cache"
    if not root.is_dir():
        return
    wanted = {cache_path(out, p) for p in keep}
    for sub in root.iterdir():
        for f in sub.glob("*.json"):
            if f not in wanted:
                f.unlink(missing_ok=True)
        for f in sub.glob(".*.tmp"):
            f.unlink(missing_ok=True)


def _outputs_intact(out: Path, manifest: dict) -> bool:
    from flows.io import sha256_file

    recorded = manifest.get("outputs", {})
    for name in OUTPUT_FILES:
        p = out / name
        if not p.exists() or recorded.get(name) != sha256_file(p):
            return False
    return True


# --------------------------------------------------------------------------- the flow


# One worker thread: extraction is pure Python under the GIL, so parallel threads only
# contend. Prefect's default pool is unbounded and ran every batch at once (measured at
# N=10,000: 50 threads, 0.79x the extractor's throughput and 410 MB peak, against 0.85x+
# and flat memory with one). More cores: `--dask local` (worker processes).
@flow(
    name="cxmetrics-extract",
    log_prints=False,
    validate_parameters=False,
    task_runner=ThreadPoolTaskRunner(max_workers=1),
)
def extract_corpus(
    corpus: str = "corpus",
    out: str = "out",
    full: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lock_wait_seconds: float = 0.0,
    report: bool = False,
    progress: Callable[[int, int], None] | None = None,
    corrections: str | None = None,
    parse_seconds: float = DEFAULT_PARSE_SECONDS,
    workers: int | None = None,
    extract_seconds: float = DEFAULT_EXTRACT_SECONDS,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
) -> dict:
    """List the corpus, extract new and changed articles in batches, write the output files.

    ``workers``: processes that extract (``flows.parallel``); by default every core when
    there are many articles to extract, else one. The output does not depend on it.

    Each article is read and extracted under one set of limits, whatever its format
    (``flows.timelimit``): ``max_chars`` of text (else ``too_long``), ``parse_seconds`` to
    read it and ``extract_seconds`` to extract it (else ``too_slow``), ``max_memory_mb`` of
    memory (else ``too_big``); such an article is quarantined and the run goes on.

    Editors' corrections (``corrections``, default ``corrections.jsonl`` in the corpus)
    are applied to the output after extraction. With ``report=True`` the HTML review
    report under ``out/report/`` is rewritten too (while the lock is held), whenever the
    output changed or the report is missing.

    A run that cannot happen (the output folder locked, not writable, full or read-only
    mid-run) ends Failed with its one-line reason, not with a traceback: the previous
    output stays as it was, and no temp or staging file is left.
    """
    limits = Limits(float(parse_seconds), float(extract_seconds), int(max_chars), int(max_memory_mb))
    out_p = Path(out)
    try:
        check_writable(out_p)
        with run_lock(out_p, wait_seconds=lock_wait_seconds):
            try:
                summary = _extract_corpus(Path(corpus), out_p, full, batch_size, max_bytes, report, progress, corrections,
                                          workers, limits)
            except (OutputError, OSError) as exc:
                if not isinstance(exc, OutputError) and not folder_error(exc):
                    raise
                remove_temp_files(out_p)
                raise exc if isinstance(exc, OutputError) else output_error(out_p, exc) from None
    except RunError as exc:
        return Failed(message=str(exc), data=exc)
    _publish_artifact(summary)
    return summary.as_dict()


def _extract_corpus(corpus_p: Path, out_p: Path, full: bool, batch_size: int, max_bytes: int, report: bool,
                    progress, corrections: str | None, workers: int | None, limits: Limits) -> RunSummary:
    """The flow's work, under the run lock."""
    remove_temp_files(out_p)  # left by a run killed mid-write; we hold the lock
    early.remove_stale(out_p)
    cpath = corrections_path(corpus_p, corrections)
    parsed, corrections_sha = load_corrections(cpath)
    entries = list_articles(corpus_p, max_bytes, corrections)
    version = work_version()
    work = plan(out_p, entries, version, full, limits=limits.key())
    if full:
        shutil.rmtree(state_dir(out_p) / "cache", ignore_errors=True)
    manifest, valid, known, todo = work.manifest, work.valid, work.known, work.todo
    summary = RunSummary(out=str(out_p), new=work.new, unchanged=work.unchanged, deleted=work.deleted)
    listed = {e.path for e in entries}

    done = 0
    if progress and todo:
        progress(0, len(todo))
    n_workers = workers_for(len(todo), workers)
    futures = [
        extract_batch.submit(str(corpus_p), str(out_p), b, max_bytes, version, limits, n_workers)
        for b in batches(todo, batch_size)
    ]
    summary.tasks = len(futures)
    results: list[dict] = []
    for fut in futures:
        batch = fut.result()
        if isinstance(batch, OutputError):  # the batches after it meet the same folder at their first write
            raise batch
        results.extend(batch)
        done += len(batch)
        if progress:
            progress(done, len(todo))
    summary.processed = len(results)
    for r in results:
        m = known.get(r["path"])
        if m is not None and m.get("sha256") != r["sha256"]:
            summary.changed += 1
        elif m is not None:
            summary.unchanged += 1

    nothing_changed = (
        not todo
        and summary.deleted == 0
        and valid
        and manifest.get("corrections", "") == corrections_sha
        and _outputs_intact(out_p, manifest)
    )
    assembled = None
    if nothing_changed:
        for k, v in manifest.get("summary", {}).items():
            if k in _KEPT:
                setattr(summary, k, v)
        hashes = {name: sha256_file(out_p / name) for name in OUTPUT_FILES}
    else:
        assembled = assemble(out_p, entries, summary, parsed, corpus_p, {r["path"]: r for r in results})
        hashes = {name: sha256_file(Path(st.tmp)) for name, st in zip(OUTPUT_FILES, assembled.staged)}
    try:
        new_manifest = {
            "extractor_version": version,
            "schema_version": SCHEMA_VERSION,
            "corpus": str(corpus_p.resolve()),  # where the report finds the article texts
            "corrections": corrections_sha,  # a changed corrections file rewrites the output
            "corrections_path": str(cpath.resolve()),  # where `cxmetrics review` writes
            "limits": limits.key(),  # articles quarantined for a limit are extracted again under others
            "articles": {},
            "outputs": hashes,
            "summary": {k: v for k, v in summary.as_dict().items() if k in _KEPT},
        }
        this_run = {r["path"]: r for r in results}
        for e in entries:
            r = this_run.get(e.path)
            sha = r["sha256"] if r else known.get(e.path, {}).get("sha256", "")
            entry = {"size": e.size, "mtime_ns": e.mtime_ns, "sha256": sha}
            if (r.get("limited") if r else known.get(e.path, {}).get("limited")):
                entry["limited"] = True
            new_manifest["articles"][e.path] = entry
        if not nothing_changed:  # (a run that extracted anything is never 'nothing changed')
            flush_writes()  # the cache files and texts written without their own fsync
        staged_manifest = stage_manifest(out_p, new_manifest)
    except BaseException:
        if assembled:
            assembled.discard()
        raise
    commit(out_p, assembled, staged_manifest)
    if not nothing_changed:
        _prune_cache(out_p, listed)
    pause_at("manifest")
    if report and (not nothing_changed or not (out_p / "report" / "index.html").exists()):
        _write_report(out_p, corpus_p)
    return summary


def _write_report(out: Path, corpus: Path) -> None:
    from review.report import write_report

    try:
        write_report(out, corpus)
    except OSError as exc:  # the data is written; a report that cannot be is not fatal
        # a report half rewritten is not shown: without its index the next run writes it whole
        with contextlib.suppress(OSError):
            (out / "report" / "index.html").unlink()
        remove_temp_files(out)
        print(f"cxmetrics: report not written ({exc.strerror or exc}: {exc.filename or out / 'report'}); "
              "the next run writes it", file=sys.stderr)


def _publish_artifact(summary: RunSummary) -> None:
    rows = [
        {"measure": "articles new", "value": summary.new},
        {"measure": "articles changed", "value": summary.changed},
        {"measure": "articles deleted", "value": summary.deleted},
        {"measure": "articles unchanged", "value": summary.unchanged},
        {"measure": "articles rejected", "value": summary.rejected_articles},
        {"measure": "mentions", "value": summary.mentions},
        {"measure": "mentions rejected", "value": summary.rejected_mentions},
    ] + [{"measure": f"mentions: {k}", "value": v} for k, v in summary.by_kind.items()]
    try:
        create_table_artifact(key="cxmetrics-run-summary", table=rows, description="cxmetrics run summary")
    except Exception as exc:  # an artifact is a convenience; never fail the run for it
        print(f"cxmetrics: could not publish the run artifact: {exc}", file=sys.stderr)
