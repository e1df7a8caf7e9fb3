"""One batch of articles: read each file, extract it, write its cache file.

Why a module of its own: the extraction worker processes (``flows/parallel.py``,
``flows/early.py``) run this and nothing of Prefect, so it imports no Prefect (their
fork server starts about a second sooner); the flow's task calls it the same way.
"""

from __future__ import annotations

from pathlib import Path

from flows import guard
from flows.io import Entry, OutputError, WriteError, atomic_write_json, cache_path, load_cache, output_error, read_entry, text_relpath
from flows.testhooks import pause_at
from flows.timelimit import Limits, is_limit_reason, read_and_extract
from pipeline.article import ArticleError, article_id_for, sha256_bytes
from pipeline.formats import format_of
from schemas.records import ArticleRecord, Rejection


def _article_rejection(entry: Entry, reason: str, sha: str = "", encoding: str | None = None) -> dict:
    aid = article_id_for(entry.path)
    article = ArticleRecord(
        article_id=aid, path=entry.path, sha256=sha, encoding=encoding, n_mentions=0, status="rejected", error=reason,
        format=format_of(entry.path),
    ).model_dump(mode="json")
    rej = Rejection(article_id=aid, path=entry.path, level="article", reason=reason).model_dump(mode="json")
    return {"article": article, "mentions": [], "rejections": [rej]}


def process_entry(corpus: Path, entry: Entry, max_bytes: int, limits: Limits = Limits()) -> dict:
    """Read, decode and extract one corpus file; never raises for bad input.

    The file is read and extracted in a child process under ``limits`` (``flows.timelimit``:
    ``too_long``, ``too_slow``, ``too_big``); the text a file yields is kept in the result
    (``text``) for ``out/texts/``.
    """
    if entry.problem:
        return _article_rejection(entry, entry.problem)
    try:
        data = read_entry(corpus, entry, max_bytes)
    except FileNotFoundError:
        return _article_rejection(entry, "vanished: the file disappeared between listing and reading")
    except OSError as exc:
        reason = str(exc) if str(exc).startswith("too_large") else f"unreadable: {exc.strerror or exc}"
        return _article_rejection(entry, reason)
    sha = sha256_bytes(data)
    try:
        article, found, rejected, studies = read_and_extract(entry.path, data, limits)
    except ArticleError as exc:
        return _article_rejection(entry, str(exc), sha)
    mentions = sorted(found, key=lambda m: (m["span"]["start"], m["span"]["end"]))
    rejections = [
        Rejection(
            article_id=article.article_id,
            path=entry.path,
            level="mention",
            reason=r["reason"],
            span=r["span"],
            candidate=r["candidate"],
        ).model_dump(mode="json")
        for r in sorted(rejected, key=lambda r: (r["span"]["start"], r["span"]["end"]))
    ]
    record = ArticleRecord(
        article_id=article.article_id,
        path=entry.path,
        sha256=sha,
        encoding=article.encoding,
        title=article.title,
        published=article.published,
        n_mentions=len(mentions),
        n_rejected=len(rejections),
        status="ok",
        error=None,
        format=article.format,
        text_path=text_relpath(article.article_id),
    ).model_dump(mode="json")
    return {"article": record, "mentions": mentions, "rejections": rejections, "text": article.text, "studies": studies}


def extract_entries(corpus: str, out: str, max_bytes: int, version: str, limits: Limits, entries: list[Entry]) -> list[dict]:
    """The body of ``extract_batch``: a plain function, so worker processes can run it.

    Raises ``OutputError`` when the output folder refuses a cache file (full, read-only).
    An article quarantined for a limit is extracted again under other limits.
    """
    corpus_p, out_p = Path(corpus), Path(out)
    summaries = []
    for entry in entries:
        if guard.stopping():
            raise guard.Stopped()
        cpath = cache_path(out_p, entry.path)
        old = load_cache(cpath)
        result = None
        if old and old.get("extractor_version") == version and not entry.problem and old.get("limited") in (None, limits.key()):
            # stat changed but the bytes may not have (a touch): compare the content hash
            try:
                sha = sha256_bytes(read_entry(corpus_p, entry, max_bytes))
            except OSError:
                sha = None
            if sha and sha == old["article"].get("sha256"):
                result = old
        if result is None:
            result = process_entry(corpus_p, entry, max_bytes, limits)
        result.update({"path": entry.path, "size": entry.size, "mtime_ns": entry.mtime_ns, "extractor_version": version})
        art = result["article"]
        limited = is_limit_reason(art.get("error"))
        result.pop("limited", None)
        if limited:
            result["limited"] = limits.key()
        try:
            atomic_write_json(cpath, result, durable=False)  # the run flushes them all at once (flush_writes)
        except WriteError as exc:
            raise output_error(out_p, exc, f"writing the cache file of {entry.path}") from None
        pause_at("cache")
        summaries.append({
            "path": entry.path, "sha256": art["sha256"], "status": art["status"], "article_id": art["article_id"],
            "studies": result.get("studies", []) if art["status"] == "ok" else [], "limited": limited,
        })
    return summaries


__all__ = ["OutputError", "extract_entries", "process_entry"]
