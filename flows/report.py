"""A static HTML review report: out/report/index.html and one page per article.

Editors check extractions by looking. Everything is inline (CSS, JS, SVG
charts), so the report opens from disk with no server and no network. Article
text is untrusted: it only ever reaches the page through ``html.escape``.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from pathlib import Path

from flows.io import atomic_writer, load_manifest, read_jsonl

KIND_COLOURS = {
    "percentage": "#cfe8ff",
    "percentage_point": "#d9d2ff",
    "percentage_change": "#ffd8b5",
    "multiplier": "#ffe9a8",
    "score": "#c8f0c8",
    "count": "#e6e6e6",
    "money": "#f5c6d6",
    "duration": "#c9f1ef",
    "ratio": "#f0dcc0",
}

CSS = """
body{font:16px/1.55 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}th,td{border-bottom:1px solid #e5e5e5;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0;cursor:pointer;user-select:none;position:sticky;top:0}
.filters{display:flex;gap:.75rem;flex-wrap:wrap;margin:.5rem 0}select{padding:.2rem}
.charts{display:flex;gap:2rem;flex-wrap:wrap}.chart{background:#fff;padding:.5rem;border:1px solid #e5e5e5}
.rejected{color:#a40000}.muted{color:#777}
article{background:#fff;border:1px solid #e5e5e5;padding:1.5rem 2rem;white-space:pre-wrap;line-height:1.8;font-size:1.02rem}
mark.m{border-radius:4px;padding:.05rem .2rem;cursor:help}mark.r{background:#fff;border:2px dashed #c00;text-decoration:line-through}
.legend span{display:inline-block;margin:.15rem .4rem .15rem 0;padding:.05rem .4rem;border-radius:4px;font-size:.85rem}
"""

TABLE_JS = """
const rows=[...document.querySelectorAll('#mentions tbody tr')];
function applyFilters(){const f={};document.querySelectorAll('.filters select').forEach(s=>{if(s.value)f[s.dataset.col]=s.value});
let shown=0;rows.forEach(r=>{const ok=Object.entries(f).every(([c,v])=>r.dataset[c]===v);r.style.display=ok?'':'none';if(ok)shown++});
document.getElementById('shown').textContent=shown;}
document.querySelectorAll('.filters select').forEach(s=>s.addEventListener('change',applyFilters));
document.querySelectorAll('table.sortable th').forEach((th,i)=>th.addEventListener('click',()=>{
const tb=th.closest('table').tBodies[0];const rs=[...tb.rows];const asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
rs.sort((a,b)=>{const x=a.cells[i].dataset.v??a.cells[i].textContent,y=b.cells[i].dataset.v??b.cells[i].textContent;
const nx=parseFloat(x),ny=parseFloat(y);const c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c});
rs.forEach(r=>tb.appendChild(r));}));
"""

e = html.escape


def _org(m: dict) -> str:
    return (m.get("source") or {}).get("organization") or ""


def bar_chart(counts: dict[str, int], width: int = 420) -> str:
    """Horizontal bars as inline SVG."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    if not items:
        return "<p class='muted'>no data</p>"
    top = max(v for _, v in items)
    h = 22 * len(items) + 10
    parts = [f"<svg role='img' aria-label='mentions per source' width='{width}' height='{h}' xmlns='http://www.w3.org/2000/svg'>"]
    for k, (label, v) in enumerate(items):
        y = 5 + 22 * k
        w = int((width - 190) * v / top)
        parts.append(f"<text x='0' y='{y + 14}' font-size='12'>{e(label[:26])}</text>")
        parts.append(f"<rect x='170' y='{y}' width='{w}' height='16' fill='#5b8def'><title>{e(label)}: {v}</title></rect>")
        parts.append(f"<text x='{174 + w}' y='{y + 13}' font-size='11'>{v}</text>")
    parts.append("</svg>")
    return "".join(parts)


def metric_chart(points: list[tuple[int, float, str]], metric: str, width: int = 420, height: int = 200) -> str:
    """The figures of one metric over the years they describe, as an inline SVG scatter."""
    if not points:
        return "<p class='muted'>no dated figures</p>"
    years = [p[0] for p in points]
    vals = [p[1] for p in points]
    y0, y1 = min(years) - 0.5, max(years) + 0.5
    v0, v1 = min(0.0, min(vals)), max(vals) * 1.1 or 1.0
    pad = 35

    def sx(y):
        return pad + (width - 2 * pad) * (y - y0) / (y1 - y0)

    def sy(v):
        return height - pad - (height - 2 * pad) * (v - v0) / ((v1 - v0) or 1)

    parts = [f"<svg role='img' aria-label='{e(metric)} over the years' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>"]
    parts.append(f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' stroke='#999'/>")
    for y in sorted(set(years)):
        parts.append(f"<text x='{sx(y) - 14:.0f}' y='{height - pad + 16}' font-size='11'>{y}</text>")
    for y, v, label in sorted(points):
        parts.append(f"<circle cx='{sx(y):.1f}' cy='{sy(v):.1f}' r='5' fill='#d9534f'><title>{e(label)}: {v:g} ({y})</title></circle>")
        parts.append(f"<text x='{sx(y) + 7:.1f}' y='{sy(v) + 4:.1f}' font-size='11'>{v:g}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _page(title: str, body: str, script: str = "") -> str:
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>{body}"
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>\n"
    )


def _safe_name(article_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in article_id) + ".html"


def render_article(article: dict, text: str, mentions: list[dict], rejected: list[dict]) -> str:
    """The article text with every mention highlighted in place; rejected candidates struck through."""
    marks = [(m["span"]["start"], m["span"]["end"], "m", m) for m in mentions]
    marks += [(r["span"]["start"], r["span"]["end"], "r", r) for r in rejected if r.get("span")]
    marks.sort(key=lambda x: (x[0], -x[1]))
    out, pos = [], 0
    for s, t, cls, rec in marks:
        if s < pos or t > len(text):
            continue
        out.append(e(text[pos:s]))
        if cls == "m":
            tip = (
                f"{rec['kind']}: {rec['value']:g} {rec.get('unit') or ''} | qualifier: {rec.get('qualifier') or '-'} | "
                f"metric: {rec.get('metric') or '-'} | year: {rec.get('year') or '-'} | source: {_org(rec) or '-'} | rule: {rec['rule']}"
            )
            out.append(
                f"<mark class='m' data-kind='{e(rec['kind'])}' style='background:{KIND_COLOURS.get(rec['kind'], '#eee')}' title='{e(tip)}'>{e(text[s:t])}</mark>"
            )
        else:
            out.append(f"<mark class='r' title='rejected: {e(rec['reason'])}'>{e(text[s:t])}</mark>")
        pos = t
    out.append(e(text[pos:]))
    legend = "".join(f"<span style='background:{c}'>{k}</span>" for k, c in KIND_COLOURS.items())
    body = (
        f"<p><a href='../index.html'>&larr; all articles</a></p><h1>{e(article.get('title') or article['article_id'])}</h1>"
        f"<p class='muted'>{e(article['path'])} &middot; published {e(article.get('published') or 'unknown')} &middot; "
        f"{len(mentions)} mentions &middot; {len(rejected)} rejected</p>"
        f"<p class='legend'>{legend}<span style='border:2px dashed #c00'>rejected</span></p>"
        f"<article>{''.join(out)}</article>"
    )
    return _page(article.get("title") or article["article_id"], body)


def write_report(out: Path, corpus: Path | None = None) -> Path:
    """Write out/report/index.html and out/report/articles/*.html from the output files."""
    out = Path(out)
    if corpus is None:
        corpus = Path(load_manifest(out).get("corpus", "corpus"))
    metrics = read_jsonl(out / "metrics.jsonl")
    articles = read_jsonl(out / "articles.jsonl")
    rejected = read_jsonl(out / "rejected.jsonl")
    by_article: dict[str, list[dict]] = defaultdict(list)
    for m in metrics:
        by_article[m["article_id"]].append(m)
    rej_by_article: dict[str, list[dict]] = defaultdict(list)
    for r in rejected:
        if r["level"] == "mention":
            rej_by_article[r["article_id"]].append(r)
    report = out / "report"
    (report / "articles").mkdir(parents=True, exist_ok=True)

    art_rows = []
    for a in articles:
        ms = by_article.get(a["article_id"], [])
        kinds = Counter(m["kind"] for m in ms)
        sources = sorted({_org(m) for m in ms if _org(m)})
        link = e(a.get("title") or a["article_id"])
        if a["status"] == "ok":
            fname = _safe_name(a["article_id"])
            try:
                raw = (corpus / a["path"]).read_bytes()
                text = raw.decode(a.get("encoding") or "utf-8")
                text = text[1:] if text.startswith("\ufeff") else text
                with atomic_writer(report / "articles" / fname) as fh:
                    fh.write(render_article(a, text, ms, rej_by_article.get(a["article_id"], [])))
                link = f"<a href='articles/{e(fname)}'>{link}</a>"
            except (OSError, UnicodeDecodeError):
                pass  # the article changed or vanished since the run: listed without a page
        status = "ok" if a["status"] == "ok" else f"<span class='rejected'>rejected: {e(a.get('error') or '')}</span>"
        art_rows.append(
            f"<tr><td>{link}<div class='muted'>{e(a['path'])}</div></td><td>{e(a.get('published') or '')}</td>"
            f"<td data-v='{len(ms)}'>{len(ms)}</td><td>{e(', '.join(f'{k} {v}' for k, v in sorted(kinds.items())))}</td>"
            f"<td>{e(', '.join(sources))}</td><td>{status}</td></tr>"
        )

    def options(col: str, values) -> str:
        opts = "".join(f"<option value='{e(str(v))}'>{e(str(v))}</option>" for v in sorted({str(v) for v in values if v not in (None, '')}))
        return f"<label>{col} <select data-col='{col}'><option value=''>all</option>{opts}</select></label>"

    m_rows = []
    for m in metrics:
        m_rows.append(
            f"<tr data-kind='{e(m['kind'])}' data-metric='{e(m.get('metric') or '')}' data-source='{e(_org(m))}' data-year='{m.get('year') or ''}'>"
            f"<td>{e(m['article_id'])}</td><td>{e(m['text'])}</td><td>{e(m['kind'])}</td><td data-v='{m['value']}'>{m['value']:g}</td>"
            f"<td>{e(m.get('unit') or '')}</td><td>{e(m.get('qualifier') or '')}</td><td>{e(m.get('metric') or '')}</td>"
            f"<td>{m.get('year') or ''}</td><td>{e(_org(m))}</td><td title='{e(m['sentence'])}'>{e(m['sentence'][:90])}</td></tr>"
        )
    per_source = Counter(_org(m) or "(no source)" for m in metrics)
    charts = [f"<div class='chart'><h3>Mentions per source</h3>{bar_chart(dict(per_source))}</div>"]
    series: dict[str, list] = defaultdict(list)
    for m in metrics:
        if m.get("metric") and m.get("year"):
            series[m["metric"]].append((m["year"], m["value"], f"{m['article_id']}: {m['text']}"))
    for metric in sorted(series, key=lambda k: -len(series[k]))[:3]:
        charts.append(f"<div class='chart'><h3>{e(metric)} over the years</h3>{metric_chart(series[metric], metric)}</div>")
    n_rej = sum(1 for a in articles if a["status"] != "ok")
    body = (
        f"<h1>cxmetrics review</h1><p class='muted'>{len(articles)} articles ({n_rej} rejected), {len(metrics)} mentions, "
        f"{len(rejected) - n_rej} mentions rejected by validation</p>"
        f"<div class='charts'>{''.join(charts)}</div>"
        "<h2>Articles</h2><table class='sortable' id='articles'><thead><tr><th>title</th><th>published</th><th>mentions</th>"
        f"<th>by kind</th><th>sources</th><th>status</th></tr></thead><tbody>{''.join(art_rows)}</tbody></table>"
        "<h2>Mentions</h2><div class='filters'>"
        + options("kind", (m["kind"] for m in metrics))
        + options("metric", (m.get("metric") for m in metrics))
        + options("source", (_org(m) for m in metrics))
        + options("year", (m.get("year") for m in metrics))
        + f" <span class='muted'><span id='shown'>{len(metrics)}</span> shown</span></div>"
        "<table class='sortable' id='mentions'><thead><tr><th>article</th><th>text</th><th>kind</th><th>value</th><th>unit</th>"
        "<th>qualifier</th><th>metric</th><th>year</th><th>source</th><th>sentence</th></tr></thead>"
        f"<tbody>{''.join(m_rows)}</tbody></table>"
    )
    index = report / "index.html"
    with atomic_writer(index) as fh:
        fh.write(_page("cxmetrics review", body, TABLE_JS))
    return index


__all__ = ["write_report", "render_article"]
