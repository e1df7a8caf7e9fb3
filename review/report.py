"""The HTML review report: out/report/index.html, paged data, and one page per article and study.

Editors check extractions by looking. The report opens from disk (file://) with no
server and no network: its scripts and styles are files in report/static/ (copied from
this package), and the big tables are paged from small ``data/*.js`` files that call back
into the page (a ``<script>`` loads from file://, ``fetch()`` does not). The index holds
aggregates, charts and one page of each table, so it stays small at any corpus size.
This module gathers the data; the templates in ``templates/`` render it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from flows.io import atomic_writer, flush_writes, iter_jsonl, load_manifest
from review.charts import bars, metric_chart_data
from review.pages import fmt, json_script, page_name, render, write_static
from review.studies import shared_mentions, write_study_pages
from schemas.records import Kind, Metric

_PALETTE = {
    Kind.percentage: "#8fc3ff",
    Kind.percentage_point: "#b9a2ff",
    Kind.percentage_change: "#ffb26b",
    Kind.multiplier: "#ffe15c",
    Kind.score: "#8fe08f",
    Kind.count: "#d2b48c",
    Kind.money: "#ff99c2",
    Kind.duration: "#6fe0d6",
    Kind.ratio: "#e0e0a0",
}
# every kind of the schema, in its order (legend included); a kind added there without a colour here gets grey
KIND_COLOURS = {k.value: _PALETTE.get(k, "#eeeeee") for k in Kind}
QUALIFIERS = ("almost", "more_than", "less_than", "about", "at_least", "at_most")

MENTION_CHUNK = 20  # mention rows per data file: small, so a page whose rows are spread out loads little (measured: 50 -> 20 halves the worst filter)
ARTICLE_CHUNK = 100  # article rows per data file
PAGE_ROWS = 50  # mention rows shown per page
QUARANTINE_INLINE = 200  # quarantined articles listed on the index itself
SERIES_MAX = 8  # sources drawn per metric chart (the most frequent); the rest are counted
CHARTS_MAX = 4  # metric charts on the index (the metrics with the most dated figures)
UPLOT = "uplot-1.6.32"  # the vendored chart library (review/static/), its version in its name


def _border(colour: str) -> str:
    """A darker border of a kind's colour: visible against the white page (contrast >= 3)."""
    return "#" + "".join(f"{int(int(colour[i:i + 2], 16) * 0.5):02x}" for i in (1, 3, 5))


def _org(m: dict) -> str:
    return (m.get("source") or {}).get("organization") or ""


class _Piece(NamedTuple):
    """A run of an article's text: plain (cls ''), a mention's mark ('m') or a rejection's ('r')."""

    cls: str
    at: int
    text: str
    id: str = ""
    kind: str = ""
    tip: str = ""


class _Row(NamedTuple):
    """A row of an article page's mention table, as shown."""

    n: int
    id: str
    text: str
    corrected: str | None  # the corrected fields, or None
    value: str
    unit: str
    kind: str
    qualifier: str
    metric: str
    year: int | str
    source: str
    rule: str


ARTICLE_HEADS = (("#", True), ("text", False), ("value", True), ("unit", False), ("kind", False), ("qualifier", False), ("metric", False),
                 ("year", True), ("source", False), ("rule", False))  # (heading, sorted as numbers)


def _segments(text: str, mentions: list[dict], rejected: list[dict]) -> list[_Piece]:
    """The article text cut at its marks: plain runs and marked mentions or rejections, each with its offset."""
    marks = [(m["span"]["start"], m["span"]["end"], "m", m, m["id"]) for m in mentions]
    marks += [(r["span"]["start"], r["span"]["end"], "r", r, f"r{k}") for k, r in enumerate(rejected) if r.get("span")]
    marks.sort(key=lambda x: (x[0], -x[1]))
    out, pos = [], 0
    for s, t, cls, rec, mid in marks:
        if s < pos or t > len(text):
            continue
        if s > pos:
            out.append(_Piece("", pos, text[pos:s]))
        if cls == "m":
            out.append(_Piece(cls, s, text[s:t], mid, rec["kind"], f"{rec['kind']}: {fmt(rec['value'])} {rec.get('unit') or ''}"))
        else:
            out.append(_Piece(cls, s, text[s:t], mid, "", f"rejected: {rec['reason']}"))
        pos = t
    if pos < len(text):
        out.append(_Piece("", pos, text[pos:]))
    return out


def _rows(mentions: list[dict]) -> list[_Row]:
    rows = []
    for n, m in enumerate(mentions, 1):
        src = m.get("source") or {}
        corrected = ", ".join((m.get("corrected") or {}).get("fields", [])) if m.get("corrected") else None
        rows.append(_Row(
            n, m["id"], m["text"], corrected, fmt(m["value"]), m.get("unit") or "", m["kind"], m.get("qualifier") or "",
            m.get("metric") or "", m.get("year") or "", " / ".join(x for x in (src.get("organization"), src.get("report"), src.get("person")) if x),
            m["rule"],
        ))
    return rows


def render_article(article: dict, text: str, mentions: list[dict], rejected: list[dict], review: dict | None = None, stale: bool = False) -> str:
    """The article text with every mention highlighted in place, beside a table of every mention in order.

    Clicking a mark selects its row and back. Rejected candidates are struck through
    and listed with their reason. With ``review`` ({"token": ...}) the page also lets an
    editor reject, correct and add mentions through the review server; ``stale``: the
    article changed on disk since the run (the page says so).
    """
    return render(
        "article.html", title=article.get("title") or article["article_id"], root="../", review=review, stale=stale, article=article,
        segments=_segments(text, mentions, rejected), rows=_rows(mentions), heads=ARTICLE_HEADS, rejected=rejected, kinds=list(KIND_COLOURS),
        qualifiers=QUALIFIERS, metrics=[m.value for m in Metric], records={m["id"]: m for m in mentions} if review else {},
    )


def article_row(article: dict, page: str | None, mentions: list[dict]) -> list:
    """A row of the index's article list: [title, page|None, path, published, n, kinds, sources, status]."""
    kinds_txt = ", ".join(f"{k} {v}" for k, v in sorted(Counter(m["kind"] for m in mentions).items()))
    sources_txt = ", ".join(sorted({_org(m) for m in mentions if _org(m)}))
    status = "ok" if article["status"] == "ok" else (article.get("error") or "rejected")
    return [article.get("title") or article["article_id"], page, article["path"], article.get("published") or "", len(mentions), kinds_txt, sources_txt, status]


def editor_rejected(rejection: dict) -> bool:
    """A mention an editor rejected (rejected.jsonl, level correction)."""
    return rejection.get("level") == "correction" and rejection.get("reason", "").startswith("rejected_by_editor")


def by_metric(counts: dict) -> list[tuple[str, int]]:
    """The index's mentions by metric, most first (``counts`` as in data/counts.json)."""
    return sorted(counts["by_metric"].items(), key=lambda kv: (-kv[1], kv[0]))


def render_index(context: dict, counts: dict | None = None, live: int = 0) -> str:
    """The index page from its context (data/index.json); ``counts`` and ``live`` (articles corrected
    since the run): the review server's counts as the next run will write them."""
    counts = counts or context["c"]
    return render("index.html", **{**context, "c": counts, "by_metric": by_metric(counts), "live": live})


def _b64(fmt_: str, values: list[int]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt_}", *values)).decode("ascii")


class _Chunks:
    """Rows written to data/<prefix><k>.js, ``size`` per file, as they come."""

    def __init__(self, folder: Path, prefix: str, size: int) -> None:
        self.folder, self.prefix, self.size = folder, prefix, size
        self.buf: list = []
        self.k = 0
        self.n = 0

    def add(self, row: list) -> None:
        self.buf.append(row)
        self.n += 1
        if len(self.buf) == self.size:
            self.flush()

    def flush(self) -> None:
        if not self.buf and self.k:
            return
        with atomic_writer(self.folder / f"{self.prefix}{self.k}.js", durable=False) as fh:
            fh.write(f"cxRows({json.dumps(self.prefix)},{self.k},{json_script(self.buf)});\n")
        self.buf = []
        self.k += 1


def _grouped(metrics: Iterator[dict]) -> Iterator[tuple[str, list[dict]]]:
    aid, group = None, []
    for m in metrics:
        if m["article_id"] != aid:
            if aid is not None:
                yield aid, group
            aid, group = m["article_id"], []
        group.append(m)
    if aid is not None:
        yield aid, group


def table_order(metrics: list[dict]) -> list[dict]:
    """Mentions in the order of the index's mention table: by kind, metric, then as written."""
    kinds = {k: i for i, k in enumerate(KIND_COLOURS)}
    metrics_code = {m.value: i + 1 for i, m in enumerate(Metric)}
    return sorted(metrics, key=lambda m: (kinds.get(m["kind"], 15), metrics_code.get(m.get("metric") or "", 0)))


_PLAIN_FORMATS = (None, "txt", "md")  # formats whose file is its text (None: output of a run before formats)


def read_article_text(corpus: Path, article: dict, out: Path | None = None) -> str | None:
    """The text an article's spans point into, or None when it cannot be read.

    The run stores each article's text under the output (``text_path``: the only text of
    a web page, Word file or PDF, whose spans mean nothing in the file's bytes); without
    it, a plain-text file is decoded from the corpus, and any other file has no text.
    """
    if out is not None and article.get("text_path"):
        try:
            return (Path(out) / article["text_path"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    if article.get("format") not in _PLAIN_FORMATS:
        return None
    try:
        raw = (corpus / article["path"]).read_bytes()
        text = raw.decode(article.get("encoding") or "utf-8")
    except (OSError, UnicodeDecodeError, LookupError):
        return None
    return text.removeprefix("\ufeff")


class _MentionTable:
    """The index's mention table as data files: rows ordered by kind, metric, then article and position.

    A filter on a kind or metric (values spread thinly over every article) then reads a few
    adjacent data files, not one per article. Rows are spooled per group to disk, so memory
    stays flat; ``finish`` writes the rows, the filter facets and the sort keys.
    """

    def __init__(self, report: Path) -> None:
        kinds, metrics_list = list(KIND_COLOURS), [m.value for m in Metric]
        if len(kinds) > 15 or len(metrics_list) > 15:
            raise ValueError("the filter facets pack kind and metric into 4 bits each")
        self.kind_code = {k: i for i, k in enumerate(kinds)}
        self.metric_code = {m: i + 1 for i, m in enumerate(metrics_list)}
        self.year_code: dict[int, int] = {}
        self.source_code: dict[str, int] = {}
        self.data = report / "data"
        for old in report.glob(".groups-*"):  # left by a killed run
            shutil.rmtree(old, ignore_errors=True)
        self.spool = Path(tempfile.mkdtemp(prefix=".groups-", dir=report))
        self.groups: dict[int, tuple] = {}  # kind<<4|metric -> (file, [year codes], [source codes])
        self.chunks = _Chunks(self.data, "m", MENTION_CHUNK)

    def add(self, aid: str, page: str | None, m: dict) -> None:
        org, year = _org(m), m.get("year")
        km = self.kind_code.get(m["kind"], 15) << 4 | self.metric_code.get(m.get("metric") or "", 0)
        if km not in self.groups:
            self.groups[km] = ((self.spool / f"{km}.jsonl").open("w", encoding="utf-8"), [], [])
        gfile, gy, gs = self.groups[km]
        gy.append(self.year_code.setdefault(year, len(self.year_code) + 1) if year else 0)
        gs.append(self.source_code.setdefault(org, len(self.source_code) + 1) if org else 0)
        row = [aid, page or "", m["id"], m["text"], m["kind"], fmt(m["value"]), m.get("unit") or "", m.get("qualifier") or "",
               m.get("metric") or "", year or "", org, m["sentence"], 1 if m.get("corrected") else 0]
        gfile.write(json.dumps(row, ensure_ascii=False) + "\n")

    def finish(self, article_no: dict[str, int], n_articles: int) -> int:
        """Write data/m<k>.js, facets.js and sort.js; return the number of mentions."""
        fk: list[int] = []
        fy: list[int] = []
        fs: list[int] = []
        fa: list[int] = []  # article ordinal and value of each mention, in table order: loaded only to sort by them
        fv: list[float] = []
        try:
            for km in sorted(self.groups):
                gfile, gy, gs = self.groups[km]
                gfile.close()
                with (self.spool / f"{km}.jsonl").open(encoding="utf-8") as fh:
                    for line in fh:
                        row = json.loads(line)
                        self.chunks.add(row)
                        fa.append(article_no[row[0]])
                        fv.append(float(row[5]))
                fk += [km] * len(gy)
                fy += gy
                fs += gs
        finally:
            for gfile, _gy, _gs in self.groups.values():
                gfile.close()
            shutil.rmtree(self.spool, ignore_errors=True)
        self.chunks.flush()
        if len(self.year_code) > 255:
            raise ValueError("more than 255 distinct years")
        sw = 2 if len(self.source_code) < 65535 else 4
        with atomic_writer(self.data / "facets.js") as fh:
            fh.write("cxFacets(" + json_script({"k": _b64("B", fk), "y": _b64("B", fy), "s": _b64("H" if sw == 2 else "I", fs), "sw": sw}) + ");\n")
        aw = 2 if n_articles < 65535 else 4
        with atomic_writer(self.data / "sort.js") as fh:
            fh.write("cxSortKeys(" + json_script({"a": _b64("H" if aw == 2 else "I", fa), "aw": aw, "v": _b64("f", fv)}) + ");\n")
        return len(fk)

    def filters(self, by_kind: Counter, by_metric: Counter) -> list[tuple[str, list[tuple[str, int]]]]:
        """The dropdowns over the table: (column, [(label, code)]) with the codes of data/facets.js."""
        return [
            ("kind", [(k, c) for k, c in self.kind_code.items() if by_kind[k]]),
            ("metric", [(m, c) for m, c in self.metric_code.items() if by_metric[m]]),
            ("year", sorted(self.year_code.items())),
            ("source", sorted(self.source_code.items(), key=lambda kv: kv[0].lower())),
        ]


def _charts(points: dict) -> list[dict]:
    """The metric charts' data: the metrics with the most dated figures."""
    charts = []
    ranked = sorted(points, key=lambda k: (-sum(len(v) for v in points[k].values()), k))[:CHARTS_MAX]
    for metric, unit in ranked:
        by_source = points[(metric, unit)]
        order = sorted(by_source, key=lambda s: (-len(by_source[s]), s))
        series = {
            s: [(y, v, f"{lab}" + (f" and {n - 1} more" if n > 1 else ""), href) for (y, v), (lab, href, n) in by_source[s].items()]
            for s in order[:SERIES_MAX]
        }
        charts.append({"metric": metric, "chart": metric_chart_data(series, metric, unit, more=max(0, len(order) - SERIES_MAX))})
    return charts


def write_report(out: Path, corpus: Path | None = None) -> Path:
    """Write out/report/: index.html, data/*.js (paged tables, filter facets), articles/*.html, studies/*.html, static/.

    Streams the output files (articles and their mentions come in the same order), so
    memory does not grow with the corpus.
    """
    out = Path(out)
    if corpus is None:
        corpus = Path(load_manifest(out).get("corpus", "corpus"))
    rej_by_article: dict[str, list[dict]] = defaultdict(list)
    n_rejected_mentions = n_editor_rejected = 0
    for r in iter_jsonl(out / "rejected.jsonl"):
        if r["level"] != "article":
            rej_by_article[r["article_id"]].append(r)
            n_rejected_mentions += r["level"] == "mention"
            n_editor_rejected += editor_rejected(r)
    report = out / "report"
    data = report / "data"
    for sub in ("articles", "data"):
        (report / sub).mkdir(parents=True, exist_ok=True)
    write_static(report, {k: (c, _border(c)) for k, c in KIND_COLOURS.items()})
    table = _MentionTable(report)
    a_chunks = _Chunks(data, "a", ARTICLE_CHUNK)
    by_kind: Counter = Counter()
    by_metric: Counter = Counter()
    per_source: Counter = Counter()
    quarantined: list[dict] = []
    n_quarantined = n_articles = corrected = 0
    points: dict[tuple[str, str], dict[str, dict[tuple[int, float], list]]] = defaultdict(lambda: defaultdict(dict))
    pages: dict[str, str] = {}
    article_no: dict[str, int] = {}
    old_pages = {p.name for p in (report / "articles").glob("*.html")}
    shared = shared_mentions(out)  # studies (review/studies.py): mentions of findings several articles report
    mention_article: dict[str, str] = {}
    titles: dict[str, str] = {}

    groups = _grouped(iter_jsonl(out / "metrics.jsonl"))
    pending = next(groups, None)
    for a in iter_jsonl(out / "articles.jsonl"):
        aid = a["article_id"]
        ms: list[dict] = []
        while pending is not None and pending[0] < aid:  # mentions of no listed article (not expected)
            pending = next(groups, None)
        if pending is not None and pending[0] == aid and a["status"] == "ok":
            ms = pending[1]
            pending = next(groups, None)
        article_no[aid] = n_articles
        n_articles += 1
        page = None
        if a["status"] == "ok":
            text = read_article_text(corpus, a, out)
            if text is not None:
                page = page_name(aid)
                if pages.setdefault(page, aid) != aid:
                    raise ValueError(f"page name collision: {aid!r} and {pages[page]!r} -> {page}")
                with atomic_writer(report / "articles" / page, durable=False) as fh:
                    fh.write(render_article(a, text, ms, rej_by_article.get(aid, [])))
        else:
            n_quarantined += 1
            if len(quarantined) < QUARANTINE_INLINE:
                quarantined.append(a)
        titles[aid] = a.get("title") or ""
        mention_article.update((m["id"], aid) for m in ms if m["id"] in shared)
        for m in ms:
            table.add(aid, page, m)
            org, year = _org(m), m.get("year")
            by_kind[m["kind"]] += 1
            by_metric[m.get("metric") or "(none)"] += 1
            per_source[org or "(no source)"] += 1
            corrected += bool(m.get("corrected"))
            if m.get("metric") and year and page:
                pts = points[(m["metric"], m.get("unit") or "")][org or "(no source)"]
                key = (year, m["value"])
                if key in pts:
                    pts[key][2] += 1
                else:
                    pts[key] = [f"{aid}: {m['text']}", f"articles/{page}#m-{m['id']}", 1]
        a_chunks.add(article_row(a, page, ms))
    n_mentions = table.finish(article_no, n_articles)
    a_chunks.flush()
    for stale in old_pages - set(pages):  # pages of articles gone or renamed
        (report / "articles" / stale).unlink(missing_ok=True)
    for f in data.glob("*.js"):  # chunks beyond the current end
        m = re.fullmatch(r"([am])(\d+)\.js", f.name)
        if m and int(m.group(2)) >= (table.chunks.k if m.group(1) == "m" else a_chunks.k):
            f.unlink(missing_ok=True)

    article_pages = {aid: page for page, aid in pages.items()}
    studies = write_study_pages(out, report, article_pages, titles, mention_article)
    counts = {
        "articles": n_articles, "quarantined": n_quarantined, "mentions": n_mentions, "corrected": corrected,
        "rejected_by_editors": n_editor_rejected, "rejected_by_validation": n_rejected_mentions,
        "by_kind": {k: by_kind[k] for k in KIND_COLOURS if by_kind[k]}, "by_metric": dict(by_metric),
    }
    with atomic_writer(data / "counts.json") as fh:
        fh.write(json.dumps(counts, ensure_ascii=False, sort_keys=True) + "\n")
    meta = {"n_mentions": n_mentions, "n_articles": n_articles, "chunk": MENTION_CHUNK, "achunk": ARTICLE_CHUNK, "page": PAGE_ROWS}
    context = {
        "title": "cxmetrics review", "root": "", "review": False, "c": counts, "kinds": list(KIND_COLOURS), "bars": bars(dict(per_source)),
        "charts": _charts(points), "quarantined": quarantined, "n_quarantined": n_quarantined, "filters": table.filters(by_kind, by_metric),
        "meta": meta, "uplot_js": f"{UPLOT}.min.js", "uplot_css": f"{UPLOT}.min.css", **studies,
    }
    flush_writes()  # the pages and data files (written without an fsync each) on disk before the index that links them
    with atomic_writer(data / "index.json") as fh:  # the review server renders the index from it, with live counts
        fh.write(json.dumps(context, ensure_ascii=False) + "\n")
    index = report / "index.html"
    with atomic_writer(index) as fh:
        fh.write(render_index(context))
    return index


__all__ = [
    "KIND_COLOURS", "article_row", "by_metric", "editor_rejected", "page_name", "read_article_text", "render_article", "render_index",
    "table_order", "write_report",
]
