"""The per-article part of assembly: an article's output lines from its cache file.

Why a module of its own: on a run with worker processes up (a cold run of many articles)
the articles, in output order, are split among the workers, each writing its lines to
part files, and the main process joins the parts in order (``flows.extract_flow.assemble``);
otherwise the main process would do it alone while the workers wait. A smaller run calls
the same function in the main process, writing straight into the output files, so both
ways write the same bytes (tested). No Prefect here: the workers import it.
"""

from __future__ import annotations

import shutil
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TextIO

from flows.batch import _article_rejection
from flows.io import Entry, cache_path, dumps, load_cache, sync_text
from pipeline.article import ArticleError, decode, sha256_bytes
from pipeline.corpus_studies import Figure, figures_of, relink
from pipeline.corrections import apply_corrections

TEXT_WRITERS = 2  # threads writing article texts beside the loop (file I/O leaves the GIL)
PART_FILES = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")


@dataclass
class Counts:
    """The counts of written lines: of a part, of all parts, and of the run's summary
    (``flows.extract_flow.RunSummary``), which adds them up."""

    articles: int = 0
    ok: int = 0
    rejected_articles: int = 0
    mentions: int = 0
    rejected_mentions: int = 0

    def add_counts(self, other: Counts) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


COUNTS = tuple(f.name for f in fields(Counts))


@dataclass
class Written(Counts):
    """What writing some articles' lines counted and collected."""

    kinds: Counter = field(default_factory=Counter)
    study_counts: Counter = field(default_factory=Counter)  # mentions per (global) study id
    figures: list[Figure] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)  # text files written or kept
    parts: dict[str, str] = field(default_factory=dict)  # output name -> its part file (in a worker)

    def add(self, other: Written) -> None:
        self.add_counts(other)
        self.kinds.update(other.kinds)
        self.study_counts.update(other.study_counts)
        self.figures.extend(other.figures)
        self.texts |= other.texts


def _article_text(corpus: Path, entry: Entry, article: dict) -> str | None:
    """The decoded text of an article being corrected, if its bytes are still those extracted."""
    try:
        data = (corpus / entry.path).read_bytes()
        if sha256_bytes(data) != article.get("sha256"):
            return None
        return decode(data)[0]
    except (OSError, ArticleError):
        return None


def write_articles(
    out: Path,
    corpus: Path | None,
    items: list[tuple[Entry, str | None]],
    article_studies: dict[str, list[dict]],
    study_ids: dict,
    pending: dict[str, list[dict]],
    fm: TextIO,
    fa: TextIO,
    fr: TextIO,
) -> Written:
    """The lines of ``items`` in order into ``fm``, ``fa`` and ``fr``. Each item is an entry and,
    when an earlier file has the same article id, that file's path (the entry is then a
    duplicate, quarantined). The editors' corrections in ``pending`` are applied (and popped)
    to the first file of their article. Raises when an article's cache file is missing."""
    w = Written()
    with ThreadPoolExecutor(max_workers=TEXT_WRITERS, thread_name_prefix="cxmetrics-texts") as text_pool:
        writing: deque[Future] = deque()
        for e, used_by in items:
            cached = load_cache(cache_path(out, e.path))
            if cached is None:
                raise RuntimeError(f"cache for {e.path} is missing after extraction")
            article, mentions, rejections = cached["article"], cached["mentions"], cached["rejections"]
            aid = article["article_id"]
            if used_by is not None:
                reason = f"duplicate_article_id: '{aid}' is already used by {used_by}"
                dup = _article_rejection(e, reason, article.get("sha256", ""), article.get("encoding"))
                article, mentions, rejections = dup["article"], [], dup["rejections"]
            else:
                if article.get("text_path") and cached.get("text") is not None:
                    # unchanged texts are not rewritten; a few writes in flight, so memory stays flat
                    writing.append(text_pool.submit(sync_text, out, article["text_path"], cached["text"]))
                    w.texts.add(article["text_path"])
                    while len(writing) > 4 * TEXT_WRITERS:
                        writing.popleft().result()
                if aid in pending:
                    text = cached.get("text") or (_article_text(corpus, e, article) if corpus is not None else None)
                    fixed = apply_corrections(article, mentions, rejections, pending.pop(aid), text)
                    article, mentions, rejections = fixed.article, fixed.mentions, fixed.rejections
            w.articles += 1
            if article["status"] == "ok":
                w.ok += 1
            else:
                w.rejected_articles += 1
            fa.write(dumps(article) + "\n")
            own = article_studies.get(aid, []) if used_by is None else []
            for m in mentions:
                local = relink(m, own)
                m["study_id"] = study_ids.get((aid, local)) if local else None
                w.study_counts[m["study_id"]] += 1
            w.figures.extend(figures_of(mentions))
            for m in mentions:
                fm.write(dumps(m) + "\n")
                w.kinds[m["kind"]] += 1
            for r in rejections:
                fr.write(dumps(r) + "\n")
                if r["level"] == "mention":
                    w.rejected_mentions += 1
            w.mentions += len(mentions)
        while writing:  # a text that cannot be written fails the run before any output is renamed
            writing.popleft().result()
    return w


def write_part(
    out: str,
    corpus: str | None,
    part_dir: str,
    items: list[tuple[Entry, str | None]],
    article_studies: dict[str, list[dict]],
    study_ids: dict,
    pending: dict[str, list[dict]],
) -> Written:
    """``write_articles`` in a worker process, into part files under ``part_dir``."""
    folder = Path(part_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in PART_FILES}
    with (
        paths["metrics.jsonl"].open("w", encoding="utf-8", newline="\n") as fm,
        paths["articles.jsonl"].open("w", encoding="utf-8", newline="\n") as fa,
        paths["rejected.jsonl"].open("w", encoding="utf-8", newline="\n") as fr,
    ):
        w = write_articles(Path(out), Path(corpus) if corpus else None, items, article_studies, study_ids, pending, fm, fa, fr)
    w.parts = {name: str(p) for name, p in paths.items()}
    return w


def append_part(w: Written, sinks: dict[str, TextIO]) -> None:
    """A worker's part files appended to the output files, then removed."""
    for name, path in w.parts.items():
        with open(path, encoding="utf-8", newline="\n") as fh:
            shutil.copyfileobj(fh, sinks[name], 1 << 20)
        Path(path).unlink()
