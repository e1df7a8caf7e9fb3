"""The HTML review report: out/report/index.html, paged data, and one page per article.

Editors check extractions by looking. The report opens from disk (file://) with no
server and no network: CSS, JS and SVG charts are inline, and the big tables are
paged from small ``data/*.js`` files that call back into the page (a ``<script>``
loads from file://, ``fetch()`` does not). The index holds aggregates, charts and
one page of each table, so it stays small at any corpus size. Article text is
untrusted: it reaches a page only through ``html.escape`` or the DOM's
``textContent``, never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import shutil
import struct
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from flows.io import atomic_writer, iter_jsonl, load_manifest
from flows.report_studies import shared_mentions, write_study_pages
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

MENTION_CHUNK = 20  # mention rows per data file: small, so a page whose rows are spread out loads little (measured: 50 -> 20 halves the worst filter)
ARTICLE_CHUNK = 100  # article rows per data file
PAGE_ROWS = 50  # mention rows shown per page
QUARANTINE_INLINE = 200  # quarantined articles listed on the index itself
SERIES_MAX = 8  # sources drawn per metric chart (the most frequent); the rest are counted
CHARTS_MAX = 4  # metric charts on the index (the metrics with the most dated figures)
SERIES_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#000000", "#7f3fbf")


def _border(colour: str) -> str:
    """A darker border of a kind's colour: visible against the white page (contrast >= 3)."""
    return "#" + "".join(f"{int(int(colour[i:i + 2], 16) * 0.5):02x}" for i in (1, 3, 5))


def _kind_css() -> str:
    return "".join(
        f"mark.k-{k},.chip.k-{k}{{background:{c};border-bottom:2px solid {_border(c)}}}" for k, c in KIND_COLOURS.items()
    )


CSS = (
    """
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5rem auto;max-width:90rem;padding:0 1rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.8rem 0 .5rem}h3{font-size:1rem;margin:.2rem 0}
a{color:#0b57d0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.88rem;table-layout:fixed}
th,td{border-bottom:1px solid #e5e5e5;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f0f0;position:sticky;top:0;z-index:1}
th[data-sort]{cursor:pointer;user-select:none;white-space:nowrap}th[data-sort]::after{content:' \\2195';color:#8a8a8a}
th[aria-sort=ascending]::after{content:' \\25B2';color:#1d1d1f}th[aria-sort=descending]::after{content:' \\25BC';color:#1d1d1f}
.live{background:#fff8d6;border:1px solid #d9b400;padding:.4rem .6rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.filters,.pager{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center;margin:.5rem 0}select,input,button{font:inherit;padding:.15rem .35rem}
.charts{display:flex;gap:1.2rem;flex-wrap:wrap}.chart{background:#fff;padding:.5rem;border:1px solid #e5e5e5}
.rejected{color:#a40000}tr.conflict td{background:#fff0f0}.chip.conflict{background:#b00020;color:#fff}.muted{color:#5f5f5f}table.stats{width:auto;min-width:13rem;table-layout:auto}
.chip{display:inline-block;margin:.1rem .3rem .1rem 0;padding:0 .35rem;border-radius:3px;font-size:.82rem;color:#1d1d1f}
.chip.rj{background:#fff;border:2px dashed #b00020;text-decoration:line-through}
.layout{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.35fr);gap:1.2rem;align-items:start}
.side table{table-layout:auto;font-size:.8rem}.side td{overflow-wrap:break-word}.side td.num{white-space:nowrap}.side td code{font-size:.72rem;word-break:break-all}.side th{white-space:nowrap}
@media (max-width:1000px){.layout{grid-template-columns:1fr}}
article{background:#fff;border:1px solid #e5e5e5;padding:1.2rem 1.5rem;white-space:pre-wrap;line-height:1.85;font-size:1rem}
mark{color:#1d1d1f;border-radius:3px;padding:.02rem .12rem;cursor:pointer}
mark.r{background:#fff;border:2px dashed #b00020;text-decoration:line-through}
mark.sel,tr.sel td{outline:3px solid #1d1d1f;outline-offset:1px}
tr.sel td{outline:none;background:#fff3b0}
tr[data-id]{cursor:pointer}
.side{position:sticky;top:.5rem;max-height:calc(100vh - 1rem);overflow:auto}
.badge{font-size:.75rem;background:#1d1d1f;color:#fff;border-radius:3px;padding:0 .3rem;margin-left:.3rem}
#panel{background:#fff;border:2px solid #0b57d0;padding:.6rem;margin:.5rem 0;display:none}
#panel.open{display:block}#panel label{display:inline-block;margin:.2rem .6rem .2rem 0}
#status{min-height:1.4rem}.err{color:#a40000}
@media print{body{max-width:none;margin:0;background:#fff;font-size:10pt}.noprint,.pager,.filters,#panel,nav{display:none!important}
.layout{display:block}.side{position:static;max-height:none;overflow:visible}article{border:none;padding:0}
table{font-size:8.5pt}tr{break-inside:avoid}th{position:static}mark,.chip{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
    + _kind_css()
)

e = html.escape


def _org(m: dict) -> str:
    return (m.get("source") or {}).get("organization") or ""


def page_name(article_id: str) -> str:
    """The file name of an article's page: a readable slug plus a hash of the whole id.

    The slug alone drops characters ('rapport 2024' and 'rapport_2024' give one
    slug); the hash keeps names apart, also on case-insensitive file systems.
    """
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", article_id).strip("_")[:60] or "article"
    return f"{slug}-{hashlib.sha256(article_id.encode('utf-8')).hexdigest()[:10]}.html"


def _json_script(obj) -> str:
    """JSON safe inside a <script> element or file (no '</script>', no HTML comment openers)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


def _fmt(v: float) -> str:
    return f"{v:g}"


# --------------------------------------------------------------------------- charts


def bar_chart(counts: dict[str, int], width: int = 440, label: str = "mentions per source") -> str:
    """Horizontal bars as inline SVG, with the count at each bar."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    if not items:
        return "<p class='muted'>no data</p>"
    top = max(v for _, v in items)
    h = 22 * len(items) + 26
    parts = [f"<svg role='img' aria-label='{e(label)}' width='{width}' height='{h}' xmlns='http://www.w3.org/2000/svg'>"]
    for k, (name, v) in enumerate(items):
        y = 5 + 22 * k
        w = max(1, int((width - 230) * v / top))
        parts.append(f"<text x='0' y='{y + 13}' font-size='12'>{e(name[:28])}</text>")
        parts.append(f"<rect x='180' y='{y}' width='{w}' height='16' fill='#0072b2'><title>{e(name)}: {v}</title></rect>")
        parts.append(f"<text x='{184 + w}' y='{y + 13}' font-size='11'>{v}</text>")
    parts.append(f"<text x='180' y='{h - 4}' font-size='11' fill='#5f5f5f'>number of mentions</text></svg>")
    return "".join(parts)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round axis ticks from at most ``lo`` to at least ``hi``."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    t = step * math.floor(lo / step)
    ticks = [round(t, 10)]
    while ticks[-1] < hi - step * 1e-9:
        t += step
        ticks.append(round(t, 10))
    return ticks


def metric_chart(
    series: dict[str, list[tuple[int, float, str, str]]], metric: str, unit: str, width: int = 520, height: int = 300, more: int = 0
) -> str:
    """One metric's figures over the years they describe: one line per source, axes with unit and years.

    ``series`` maps a source to points (year, value, label, href); each point links to its mention.
    """
    points = [p for pts in series.values() for p in pts]
    if not points:
        return "<p class='muted'>no dated figures</p>"
    years = [p[0] for p in points]
    vals = [p[1] for p in points]
    y0, y1 = min(years) - 0.5, max(years) + 0.5
    ticks = _nice_ticks(min(0.0, min(vals)), max(vals) * 1.05 if max(vals) > 0 else 1.0)
    v0, v1 = ticks[0], ticks[-1]
    left, right, top, bottom = 52, 14, 14, 42

    def sx(y: float) -> float:
        return left + (width - left - right) * (y - y0) / (y1 - y0)

    def sy(v: float) -> float:
        return height - bottom - (height - top - bottom) * (v - v0) / ((v1 - v0) or 1)

    lab = f"{metric} ({unit})" if unit else metric
    parts = [
        f"<svg role='img' aria-label='{e(lab)} by year and source' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg' font-size='11'>",
        f"<line x1='{left}' y1='{height - bottom}' x2='{width - right}' y2='{height - bottom}' stroke='#555'/>",
        f"<line x1='{left}' y1='{top}' x2='{left}' y2='{height - bottom}' stroke='#555'/>",
    ]
    for t in ticks:
        parts.append(f"<line x1='{left - 4}' y1='{sy(t):.1f}' x2='{width - right}' y2='{sy(t):.1f}' stroke='#eee'/>")
        parts.append(f"<text x='{left - 6}' y='{sy(t) + 4:.1f}' text-anchor='end'>{_fmt(t)}</text>")
    span = int(y1 - y0)
    step = max(1, span // 8)
    for y in range(int(y0 + 0.5), int(y1 + 0.5), step):
        parts.append(f"<line x1='{sx(y):.1f}' y1='{height - bottom}' x2='{sx(y):.1f}' y2='{height - bottom + 4}' stroke='#555'/>")
        parts.append(f"<text x='{sx(y):.1f}' y='{height - bottom + 16}' text-anchor='middle'>{y}</text>")
    parts.append(f"<text x='{(left + width - right) / 2:.0f}' y='{height - 6}' text-anchor='middle' fill='#5f5f5f'>year the figure describes</text>")
    parts.append(
        f"<text transform='translate(12 {(top + height - bottom) / 2:.0f}) rotate(-90)' text-anchor='middle' fill='#5f5f5f'>{e(unit or 'value')}</text>"
    )
    legend = []
    for n, (source, pts) in enumerate(series.items()):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        pts = sorted(pts)
        # a line only where it means something: one figure per year (several in one year are separate findings)
        if len(pts) > 1 and len({y for y, *_ in pts}) == len(pts):
            path = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v, _l, _h in pts)
            parts.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='1.5' opacity='.7'/>")
        for y, v, label, href in pts:
            parts.append(
                f"<a href='{e(href)}' class='pt'><circle cx='{sx(y):.1f}' cy='{sy(v):.1f}' r='5' fill='{colour}'>"
                f"<title>{e(source)}, {y}: {_fmt(v)} {e(unit)} ({e(label)})</title></circle></a>"
            )
        legend.append(f"<span class='chip' style='border-left:12px solid {colour}'>{e(source)} ({len(pts)})</span>")
    parts.append("</svg>")
    note = f"<div class='muted'>{more} more source(s) not drawn</div>" if more else ""
    return "".join(parts) + f"<div>{''.join(legend)}</div>{note}"


# --------------------------------------------------------------------------- pages


def _csp(review: bool) -> str:
    connect = "'self'" if review else "'none'"
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src data:; connect-src {connect}"


def _page(title: str, body: str, script: str = "", review: bool = False, head: str = "") -> str:
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_csp(review)}\">"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>{head}"
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>{body}"
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>\n"
    )


def _legend() -> str:
    chips = "".join(f"<span class='chip k-{k}'>{e(k)}</span>" for k in KIND_COLOURS)
    return f"<p class='legend'>{chips}<span class='chip rj'>rejected</span></p>"


ARTICLE_JS = """
const marks=new Map(),rows=new Map();
document.querySelectorAll('mark[data-id]').forEach(m=>marks.set(m.dataset.id,m));
document.querySelectorAll('tr[data-id]').forEach(r=>rows.set(r.dataset.id,r));
function select(id,from){document.querySelectorAll('.sel').forEach(x=>x.classList.remove('sel'));
const m=marks.get(id),r=rows.get(id);if(m)m.classList.add('sel');if(r)r.classList.add('sel');
const other=from==='row'?m:r;if(other)other.scrollIntoView({block:'center',behavior:'instant'});
if(history.replaceState)history.replaceState(null,'','#m-'+id);}
marks.forEach((m,id)=>m.addEventListener('click',ev=>{if(!getSelection().isCollapsed)return;select(id,'mark')}));
rows.forEach((r,id)=>r.addEventListener('click',ev=>{if(ev.target.closest('button'))return;select(id,'row')}));
function fromHash(){const h=decodeURIComponent(location.hash.slice(1));if(h.startsWith('m-'))select(h.slice(2),'hash');}
const mt=document.getElementById('mentions');
mt.querySelectorAll('th[data-sort]').forEach(th=>th.addEventListener('click',()=>{const c=Number(th.dataset.sort),num=th.hasAttribute('data-num');
const dir=th.getAttribute('aria-sort')==='ascending'?-1:1;mt.querySelectorAll('th[data-sort]').forEach(h=>h.removeAttribute('aria-sort'));
th.setAttribute('aria-sort',dir>0?'ascending':'descending');const tb=mt.tBodies[0],rs=[...tb.rows];
const key=r=>{const t=r.cells[c].textContent.trim();return t===''?null:num?parseFloat(t):t.toLowerCase()};const at=r=>Number(r.cells[0].textContent);
rs.sort((x,y)=>{const a=key(x),b=key(y);if(a===null||b===null)return (a===null)-(b===null)||at(x)-at(y);return (a<b?-1:a>b?1:0)*dir||at(x)-at(y)});tb.append(...rs);}));
fromHash();window.addEventListener('hashchange',fromHash);
"""

REVIEW_JS = """
const TOKEN=document.querySelector('meta[name=cx-token]').content;
const AID=JSON.parse(document.getElementById('cx-article').textContent);
const REC=JSON.parse(document.getElementById('cx-records').textContent);
const panel=document.getElementById('panel'),form=document.getElementById('edit'),status=document.getElementById('status');
let editing=null;
function say(msg,err){status.textContent=msg;status.className=err?'err':'';}
async function send(body){const r=await fetch('/api/corrections',{method:'POST',headers:{'Content-Type':'application/json','X-CX-Token':TOKEN},body:JSON.stringify(body)});
let j={};try{j=await r.json()}catch(_){}if(!r.ok)throw new Error(typeof j.detail==='string'?j.detail:JSON.stringify(j.detail||r.status));return j;}
function done(msg){say(msg+' Saved to corrections.jsonl; the next run applies it.');setTimeout(()=>location.reload(),600);}
function offset(node,off){const el=(node.nodeType===3?node.parentElement:node).closest('[data-o]');
if(!el||!el.closest('article'))return null;return Number(el.dataset.o)+(node.nodeType===3?off:0);}
function fill(rec){for(const f of ['value','kind','unit','qualifier','metric','year']){form.elements[f].value=rec&&rec[f]!=null?rec[f]:''}
const s=rec&&rec.source||{};form.elements.organization.value=s.organization||'';form.elements.report.value=s.report||'';form.elements.person.value=s.person||'';}
function open(mode,rec,span,text){editing={mode,rec,span,text};fill(rec);
document.getElementById('ptitle').textContent=(mode==='add'?'Add a missed figure: ':'Correct ')+'\\u201c'+text+'\\u201d ('+span.start+'..'+span.end+')';
panel.classList.add('open');form.elements.value.focus();}
document.querySelectorAll('button[data-act]').forEach(b=>b.addEventListener('click',async ev=>{ev.stopPropagation();
const rec=REC[b.dataset.id];if(b.dataset.act==='edit'){open('set',rec,rec.span,rec.text);return}
try{await send({article_id:AID,span:rec.span,action:'reject',fields:{}});done('Rejected \\u201c'+rec.text+'\\u201d.')}catch(err){say('Not saved: '+err.message,true)}}));
document.getElementById('addsel').addEventListener('click',()=>{const s=getSelection();if(s.isCollapsed||!s.rangeCount){say('Select the figure in the text first.',true);return}
const r=s.getRangeAt(0);const a=offset(r.startContainer,r.startOffset),b=offset(r.endContainer,r.endOffset);
if(a===null||b===null||b<=a){say('Select the figure inside the article text.',true);return}
open('add',null,{start:a,end:b},s.toString());});
document.getElementById('cancel').addEventListener('click',()=>{panel.classList.remove('open');editing=null});
function val(name){const v=form.elements[name].value.trim();return v===''?null:v}
form.addEventListener('submit',async ev=>{ev.preventDefault();if(!editing)return;const f={};
const num=val('value');if(num!==null)f.value=Number(num.replace(',','.'));
for(const k of ['kind','unit','qualifier','metric'])f[k]=val(k);
f.year=val('year')===null?null:Number(val('year'));
const src={organization:val('organization'),report:val('report'),person:val('person')};
f.source=(src.organization||src.report||src.person)?src:null;
let fields=f;if(editing.mode==='set'){fields={};const o=editing.rec;
for(const k of ['value','kind','unit','qualifier','metric','year'])if((f[k]??null)!==(o[k]??null))fields[k]=f[k];
if(JSON.stringify(f.source)!==JSON.stringify(o.source?{organization:o.source.organization??null,report:o.source.report??null,person:o.source.person??null}:null))fields.source=f.source;
if(!Object.keys(fields).length){say('Nothing changed.',true);return}}
else{for(const k of Object.keys(fields))if(fields[k]===null)delete fields[k];}
try{await send({article_id:AID,span:editing.span,action:editing.mode,fields,text:editing.text});done((editing.mode==='add'?'Added':'Corrected')+' \\u201c'+editing.text+'\\u201d.')}
catch(err){say('Not saved: '+err.message,true)}});
"""


def _options(values, selected: str | None = None, blank: str = "") -> str:
    opts = [f"<option value=''>{e(blank)}</option>"]
    opts += [f"<option value='{e(v)}'{' selected' if v == selected else ''}>{e(v)}</option>" for v in values]
    return "".join(opts)


def _review_panel() -> str:
    qualifiers = ["almost", "more_than", "less_than", "about", "at_least", "at_most"]
    return (
        "<div class='noprint'><button id='addsel' type='button'>Add the selected text as a figure</button> "
        "<span class='muted'>select a missed figure in the text, then click</span></div>"
        "<div id='panel'><h3 id='ptitle'></h3><form id='edit'>"
        "<label>value <input name='value' size='8' inputmode='decimal'></label>"
        f"<label>kind <select name='kind'>{_options(list(KIND_COLOURS))}</select></label>"
        "<label>unit <input name='unit' size='10'></label>"
        f"<label>qualifier <select name='qualifier'>{_options(qualifiers)}</select></label>"
        f"<label>metric <select name='metric'>{_options([m.value for m in Metric])}</select></label>"
        "<label>year <input name='year' size='5' inputmode='numeric'></label>"
        "<label>source <input name='organization' size='18' placeholder='organization'></label>"
        "<label>report <input name='report' size='14'></label><label>person <input name='person' size='14'></label>"
        "<div><button type='submit'>Save correction</button> <button type='button' id='cancel'>Cancel</button></div>"
        "</form></div><div id='status' role='status'></div>"
    )


_NUM_HEAD = " class='num' data-num"  # a heading of numbers: right-aligned, sorted as numbers


def render_article(article: dict, text: str, mentions: list[dict], rejected: list[dict], review: dict | None = None) -> str:
    """The article text with every mention highlighted in place, beside a table of every mention in order.

    Clicking a mark selects its row and back. Rejected candidates are struck through
    and listed with their reason. With ``review`` ({"token": ...}) the page also lets an
    editor reject, correct and add mentions through the review server.
    """
    marks = [(m["span"]["start"], m["span"]["end"], "m", m, m["id"]) for m in mentions]
    marks += [(r["span"]["start"], r["span"]["end"], "r", r, f"r{k}") for k, r in enumerate(rejected) if r.get("span")]
    marks.sort(key=lambda x: (x[0], -x[1]))
    out, pos = [], 0
    for s, t, cls, rec, mid in marks:
        if s < pos or t > len(text):
            continue
        if s > pos:
            out.append(f"<span data-o='{pos}'>{e(text[pos:s])}</span>")
        if cls == "m":
            tip = f"{rec['kind']}: {_fmt(rec['value'])} {rec.get('unit') or ''}"
            out.append(f"<mark class='m k-{e(rec['kind'])}' data-id='{e(mid)}' data-o='{s}' title='{e(tip)}'>{e(text[s:t])}</mark>")
        else:
            out.append(f"<mark class='r' data-id='{e(mid)}' data-o='{s}' title='rejected: {e(rec['reason'])}'>{e(text[s:t])}</mark>")
        pos = t
    if pos < len(text):
        out.append(f"<span data-o='{pos}'>{e(text[pos:])}</span>")

    edit_head = "<th class='noprint'>correct</th>" if review else ""
    rows = []
    for n, m in enumerate(mentions, 1):
        src = m.get("source") or {}
        src_txt = " / ".join(x for x in (src.get("organization"), src.get("report"), src.get("person")) if x)
        badge = f"<span class='badge' title='{e(', '.join((m.get('corrected') or {}).get('fields', [])))}'>corrected</span>" if m.get("corrected") else ""
        edit = (
            f"<td class='noprint'><button type='button' data-act='edit' data-id='{e(m['id'])}'>edit</button> "
            f"<button type='button' data-act='reject' data-id='{e(m['id'])}'>reject</button></td>"
            if review
            else ""
        )
        rows.append(
            f"<tr id='m-{e(m['id'])}' data-id='{e(m['id'])}'><td class='num'>{n}</td><td>{e(m['text'])}{badge}</td>"
            f"<td class='num'>{_fmt(m['value'])}</td><td>{e(m.get('unit') or '')}</td>"
            f"<td><span class='chip k-{e(m['kind'])}'>{e(m['kind'])}</span></td><td>{e(m.get('qualifier') or '')}</td>"
            f"<td>{e(m.get('metric') or '')}</td><td class='num'>{m.get('year') or ''}</td><td>{e(src_txt)}</td>"
            f"<td><code>{e(m['rule'])}</code></td>{edit}</tr>"
        )
    heads = [("#", True), ("text", False), ("value", True), ("unit", False), ("kind", False), ("qualifier", False), ("metric", False),
             ("year", True), ("source", False), ("rule", False)]
    table = (
        "<table id='mentions'><thead><tr>"
        + "".join(f"<th{_NUM_HEAD if num else ''} data-sort='{c}'>{e(h)}</th>" for c, (h, num) in enumerate(heads))
        + f"{edit_head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    rej_rows = "".join(
        f"<tr id='m-r{k}' data-id='r{k}'><td>{e(r['candidate'].get('text', '') if isinstance(r.get('candidate'), dict) else '')}</td>"
        f"<td>{e(r.get('level', ''))}</td><td class='rejected'>{e(r['reason'])}</td></tr>"
        for k, r in enumerate(rejected)
    )
    rej_table = (
        f"<h2>Rejected ({len(rejected)})</h2><table id='rejected'>"
        f"<thead><tr><th>text</th><th>level</th><th>reason</th></tr></thead><tbody>{rej_rows}</tbody></table>"
        if rejected
        else "<p class='muted'>No rejected candidates.</p>"
    )
    title = article.get("title") or article["article_id"]
    body = (
        f"<nav class='noprint'><a href='../index.html'>&larr; all articles</a></nav><h1>{e(title)}</h1>"
        f"<p class='muted'>{e(article['path'])} &middot; published {e(article.get('published') or 'unknown')} &middot; "
        f"{len(mentions)} mentions &middot; {len(rejected)} rejected &middot; sha256 {e(article.get('sha256', '')[:12])}</p>"
        f"{_legend()}{_review_panel() if review else ''}"
        f"<div class='layout'><article id='text'>{''.join(out)}</article>"
        f"<div class='side'><h2 style='margin-top:0'>Mentions ({len(mentions)})</h2>{table}{rej_table}</div></div>"
    )
    head, script = "", ARTICLE_JS
    if review:
        head = f"<meta name='cx-token' content='{e(review['token'])}'>"
        records = {m["id"]: m for m in mentions}
        body += (
            f"<script type='application/json' id='cx-article'>{_json_script(article['article_id'])}</script>"
            f"<script type='application/json' id='cx-records'>{_json_script(records)}</script>"
        )
        script += REVIEW_JS
    return _page(title, f"<div data-page='article'>{body}</div>", script, review=bool(review), head=head)


# --------------------------------------------------------------------------- index

INDEX_JS = """
const META=JSON.parse(document.getElementById('cx-meta').textContent);
const loaded={},waiting={};let F=null,result=null,mpage=0,apage=0,gen=0;
window.cxRows=(t,k,rows)=>{const key=t+k;loaded[key]=rows;(waiting[key]||[]).forEach(f=>f.ok(rows));delete waiting[key];};
function load(key){if(loaded[key])return Promise.resolve(loaded[key]);return new Promise((ok,fail)=>{if(waiting[key]){waiting[key].push({ok,fail});return}
waiting[key]=[{ok,fail}];const s=document.createElement('script');s.src='data/'+key+'.js';
s.onerror=()=>{(waiting[key]||[]).forEach(f=>f.fail(new Error('cannot load '+s.src)));delete waiting[key]};document.head.appendChild(s);});}
function dec(b64,T){const bin=atob(b64);const u=new Uint8Array(bin.length);for(let i=0;i<bin.length;i++)u[i]=bin.charCodeAt(i);return new T(u.buffer);}
function facets(){if(F)return Promise.resolve(F);return new Promise((ok,fail)=>{window.cxFacets=d=>{F={k:dec(d.k,Uint8Array),y:dec(d.y,Uint8Array),s:dec(d.s,d.sw===4?Uint32Array:Uint16Array)};ok(F)};
const s=document.createElement('script');s.src='data/facets.js';s.onerror=()=>fail(new Error('cannot load data/facets.js'));document.head.appendChild(s);});}
function td(text,cls){const c=document.createElement('td');c.textContent=text==null?'':String(text);if(cls)c.className=cls;return c;}
function link(text,href){const a=document.createElement('a');a.textContent=text;a.href=href;return a;}
function mrow(r){// [article_id, page, id, text, kind, value, unit, qualifier, metric, year, source, sentence, corrected]
const tr=document.createElement('tr');const a=td('');a.appendChild(link(r[0],'articles/'+r[1]));tr.appendChild(a);
const t=td('');t.appendChild(link(r[3],'articles/'+r[1]+'#m-'+r[2]));if(r[12]){const b=document.createElement('span');b.className='badge';b.textContent='corrected';t.appendChild(b)}tr.appendChild(t);
const k=td('');const chip=document.createElement('span');chip.className='chip k-'+r[4];chip.textContent=r[4];k.appendChild(chip);tr.appendChild(k);
tr.appendChild(td(r[5],'num'));[6,7,8,9,10].forEach(i=>tr.appendChild(td(r[i])));
const s=td('');const at=r[11].indexOf(r[3]);if(at>=0){s.append(r[11].slice(0,at));const b=document.createElement('b');b.textContent=r[3];s.append(b,r[11].slice(at+r[3].length))}else s.textContent=r[11];
tr.appendChild(s);return tr;}
function arow(r){// [title, page|null, path, published, n, kinds, sources, status]
const tr=document.createElement('tr');const c=td('');if(r[1])c.appendChild(link(r[0],'articles/'+r[1]));else c.append(r[0]);
const p=document.createElement('div');p.className='muted';p.textContent=r[2];c.appendChild(p);tr.appendChild(c);
tr.appendChild(td(r[3]));tr.appendChild(td(r[4],'num'));tr.appendChild(td(r[5]));tr.appendChild(td(r[6]));
const st=td(r[7]==='ok'?'ok':'rejected: '+r[7]);if(r[7]!=='ok')st.className='rejected';tr.appendChild(st);return tr;}
function pager(el,page,total,size,go){el.replaceChildren();const pages=Math.max(1,Math.ceil(total/size));
const b=(label,p,dis)=>{const x=document.createElement('button');x.type='button';x.textContent=label;x.disabled=dis;x.addEventListener('click',()=>go(p));el.appendChild(x)};
b('\\u00ab first',0,page===0);b('\\u2039 previous',page-1,page===0);const s=document.createElement('span');
s.textContent='page '+(page+1)+' of '+pages;el.appendChild(s);b('next \\u203a',page+1,page>=pages-1);b('last \\u00bb',pages-1,page>=pages-1);}
async function showMentions(){const my=++gen;const total=result?result.length:META.n_mentions;const idx=[];
for(let j=mpage*META.page;j<Math.min(total,(mpage+1)*META.page);j++)idx.push(result?result[j]:j);
const keys=[...new Set(idx.map(i=>'m'+Math.floor(i/META.chunk)))];await Promise.all(keys.map(load));if(my!==gen)return;
document.querySelector('#mentions tbody').replaceChildren(...idx.map(i=>mrow(loaded['m'+Math.floor(i/META.chunk)][i%META.chunk])));
document.getElementById('shown').textContent=total;pager(document.getElementById('mpager'),mpage,total,META.page,p=>{mpage=p;showMentions()});}
// the article list: pages of the data files as they are; searched or sorted, all article rows (loaded once)
const AN=Math.ceil(META.n_articles/META.achunk);let asort=null,adir=1,aq='',aview=null,agen=0;
function blank(v){return v===''||v==null}
function acmp(c){return (x,y)=>{const a=x[c],b=y[c];if(blank(a)!==blank(b))return blank(a)?1:-1;
if(c===4)return (a-b)*adir;const p=String(a).toLowerCase(),q=String(b).toLowerCase();return p<q?-adir:p>q?adir:0;}}
async function showArticles(){const my=++agen;let rows,total;
if(asort===null&&!aq){rows=await load('a'+apage);total=META.n_articles}
else{if(!aview){const ks=[];for(let k=0;k<AN;k++)ks.push(load('a'+k));const all=(await Promise.all(ks)).flat();const q=aq.toLowerCase();
let v=q?all.filter(r=>[r[0],r[2],r[6]].join(' ').toLowerCase().includes(q)):all.slice();if(asort!==null)v.sort(acmp(asort));if(my!==agen)return;aview=v}
total=aview.length;rows=aview.slice(apage*META.achunk,(apage+1)*META.achunk)}
if(my!==agen)return;document.querySelector('#articles tbody').replaceChildren(...rows.map(arow));document.getElementById('ashown').textContent=total;
pager(document.getElementById('apager'),apage,total,META.achunk,p=>{apage=p;showArticles()});}
function sortable(table,go){table.querySelectorAll('th[data-sort]').forEach(th=>th.addEventListener('click',()=>{
const was=th.getAttribute('aria-sort');table.querySelectorAll('th[data-sort]').forEach(h=>h.removeAttribute('aria-sort'));
th.setAttribute('aria-sort',was==='ascending'?'descending':'ascending');go(th.dataset.sort,was==='ascending'?-1:1,th.textContent);}));}
sortable(document.getElementById('articles'),(c,d)=>{asort=Number(c);adir=d;aview=null;apage=0;showArticles()});
document.getElementById('asearch').addEventListener('input',ev=>{aq=ev.target.value.trim();aview=null;apage=0;showArticles()});
// the mention table sorted by a heading: kind, metric, year and source from the facets, article and value from data/sort.js
let msort=null,mdir=1,mlabel='',SK=null;
function sortKeys(){if(SK)return Promise.resolve(SK);return new Promise((ok,fail)=>{window.cxSortKeys=d=>{SK={a:dec(d.a,d.aw===4?Uint32Array:Uint16Array),v:dec(d.v,Float32Array)};ok(SK)};
const s=document.createElement('script');s.src='data/sort.js';s.onerror=()=>fail(new Error('cannot load data/sort.js'));document.head.appendChild(s);});}
function ranks(name){const r=new Map();document.querySelectorAll('select[data-col='+name+'] option').forEach((o,i)=>{if(o.value!=='')r.set(Number(o.value),i)});return r;}
async function keyOf(c){const D=await facets();
if(c==='k')return i=>D.k[i]>>4;if(c==='m')return i=>(D.k[i]&15)||null;
if(c==='y'){const r=ranks('year');return i=>D.y[i]?r.get(D.y[i]):null}if(c==='s'){const r=ranks('source');return i=>D.s[i]?r.get(D.s[i]):null}
const K=await sortKeys();return c==='a'?(i=>K.a[i]):(i=>K.v[i]);}
// every row in the order of a heading, computed once per heading and direction with native numeric sorts (a key's
// rank and the row packed into one float), then any filter's rows are picked from it in one pass
const PERM={},M26=67108864;
async function perm(c,dir){const id=c+dir;if(PERM[id])return PERM[id];const key=await keyOf(c),n=META.n_mentions;
const rows=[],none=[],ks=[];for(let i=0;i<n;i++){const v=key(i);if(v==null)none.push(i);else{rows.push(i);ks.push(v)}}
const u=Float64Array.from(ks).sort(),packed=new Float64Array(rows.length);
for(let j=0;j<rows.length;j++){let lo=0,hi=u.length-1;const v=ks[j];while(lo<hi){const mid=(lo+hi)>>1;if(u[mid]<v)lo=mid+1;else hi=mid}
packed[j]=(dir>0?lo:u.length-1-lo)*M26+rows[j]}packed.sort();
const out=new Int32Array(n);for(let j=0;j<packed.length;j++)out[j]=packed[j]%M26;out.set(none,packed.length);return PERM[id]=out;}
async function ordered(idx){const P=await perm(msort,mdir),n=META.n_mentions;if(idx.length===n)return P;
const keep=new Uint8Array(n);for(let j=0;j<idx.length;j++)keep[idx[j]]=1;
const out=new Int32Array(idx.length);let c=0;for(let j=0;j<n;j++){const i=P[j];if(keep[i])out[c++]=i}return out;}
sortable(document.getElementById('mentions'),(c,d,label)=>{msort=c;mdir=d;mlabel=label;cxApply()});
function code(name){const v=document.querySelector('select[data-col='+name+']').value;return v===''?-1:Number(v);}
async function cxApply(){const f={k:code('kind'),m:code('metric'),y:code('year'),s:code('source')};mpage=0;let idx=null;
if(!(f.k<0&&f.m<0&&f.y<0&&f.s<0)){const D=await facets();const n=META.n_mentions,out=new Int32Array(n);let c=0;
for(let i=0;i<n;i++){const km=D.k[i];if(f.k>=0&&(km>>4)!==f.k)continue;if(f.m>=0&&(km&15)!==f.m)continue;if(f.y>=0&&D.y[i]!==f.y)continue;if(f.s>=0&&D.s[i]!==f.s)continue;out[c++]=i}
idx=out.subarray(0,c)}
if(msort!==null)idx=idx?await ordered(idx):await perm(msort,mdir);
result=idx;await showMentions();
// the order is named once its rows are on the page (the first sort by article or value loads data/sort.js)
document.getElementById('morder').textContent=msort===null?'by kind, metric, then article':'by '+mlabel.trim()+(mdir>0?', ascending':', descending')+' (none last)';}
window.cxApply=cxApply;
document.querySelectorAll('.filters select').forEach(s=>s.addEventListener('change',()=>{const t=performance.now();cxApply().then(()=>{window.cxLastFilterMs=performance.now()-t})}));
window.cxReady=Promise.all([showMentions(),showArticles()]);
"""


SUMMARY_START, SUMMARY_END = "<div id='summary'>", "</div><!--/summary-->"
STATS_START, STATS_END = "<div id='stats' style='display:contents'>", "</div><!--/stats-->"


def article_row(article: dict, page: str | None, mentions: list[dict]) -> list:
    """A row of the index's article list: [title, page|None, path, published, n, kinds, sources, status]."""
    kinds_txt = ", ".join(f"{k} {v}" for k, v in sorted(Counter(m["kind"] for m in mentions).items()))
    sources_txt = ", ".join(sorted({_org(m) for m in mentions if _org(m)}))
    status = "ok" if article["status"] == "ok" else (article.get("error") or "rejected")
    return [article.get("title") or article["article_id"], page, article["path"], article.get("published") or "", len(mentions), kinds_txt, sources_txt, status]


def editor_rejected(rejection: dict) -> bool:
    """A mention an editor rejected (rejected.jsonl, level correction)."""
    return rejection.get("level") == "correction" and rejection.get("reason", "").startswith("rejected_by_editor")


def index_summary(counts: dict, live: str = "") -> str:
    """The index's totals line (``counts`` as in data/counts.json); ``live``: a note the review server adds."""
    c = counts
    return (
        f"<p class='muted'>{c['articles']} articles ({c['quarantined']} quarantined), <span id='n-mentions'>{c['mentions']}</span> mentions"
        f" ({c['corrected']} corrected and {c['rejected_by_editors']} rejected by editors), "
        f"{c['rejected_by_validation']} candidates rejected by validation</p>{live}"
    )


def index_stats(counts: dict) -> str:
    """The tables of mentions by kind (in the schema's order) and by metric (most first)."""
    kinds = "".join(
        f"<tr><td><span class='chip k-{e(k)}'>{e(k)}</span></td><td class='num'>{counts['by_kind'][k]}</td></tr>"
        for k in KIND_COLOURS if counts["by_kind"].get(k)
    )
    metrics = "".join(
        f"<tr><td>{e(k)}</td><td class='num'>{v}</td></tr>" for k, v in sorted(counts["by_metric"].items(), key=lambda kv: (-kv[1], kv[0])) if v
    )
    return (
        f"<div class='chart'><h3>Mentions by kind</h3><table class='stats' id='by-kind'><tbody>{kinds}</tbody></table></div>"
        f"<div class='chart'><h3>Mentions by metric</h3><table class='stats' id='by-metric'><tbody>{metrics}</tbody></table></div>"
    )


def _b64(fmt: str, values: list[int]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode("ascii")


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
        with atomic_writer(self.folder / f"{self.prefix}{self.k}.js") as fh:
            fh.write(f"cxRows({json.dumps(self.prefix)},{self.k},{_json_script(self.buf)});\n")
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


def write_report(out: Path, corpus: Path | None = None) -> Path:
    """Write out/report/: index.html, data/*.js (paged tables, filter facets) and articles/*.html.

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
    kinds = list(KIND_COLOURS)
    metrics_list = [m.value for m in Metric]
    if len(kinds) > 15 or len(metrics_list) > 15:
        raise ValueError("the filter facets pack kind and metric into 4 bits each")
    kind_code = {k: i for i, k in enumerate(kinds)}
    metric_code = {m: i + 1 for i, m in enumerate(metrics_list)}
    year_code: dict[int, int] = {}
    source_code: dict[str, int] = {}
    # the mention table is ordered by kind, metric, then article and position: a filter on a
    # kind or metric (values spread thinly over every article) then reads a few adjacent data
    # files, not one per article. Rows are spooled per group to disk, so memory stays flat.
    for old in report.glob(".groups-*"):  # left by a killed run
        shutil.rmtree(old, ignore_errors=True)
    spool = Path(tempfile.mkdtemp(prefix=".groups-", dir=report))
    groups_out: dict[int, tuple] = {}  # kind<<4|metric -> (file, [year codes], [source codes])
    m_chunks = _Chunks(data, "m", MENTION_CHUNK)
    a_chunks = _Chunks(data, "a", ARTICLE_CHUNK)
    by_kind: Counter = Counter()
    by_metric: Counter = Counter()
    per_source: Counter = Counter()
    quarantined: list[dict] = []
    n_articles = n_ok = corrected = 0
    points: dict[tuple[str, str], dict[str, dict[tuple[int, float], list]]] = defaultdict(lambda: defaultdict(dict))
    pages: dict[str, str] = {}
    article_no: dict[str, int] = {}
    old_pages = {p.name for p in (report / "articles").glob("*.html")}
    shared = shared_mentions(out)  # studies (flows/report_studies.py): mentions of findings several articles report
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
            n_ok += 1
            text = read_article_text(corpus, a, out)
            if text is not None:
                page = page_name(aid)
                if pages.setdefault(page, aid) != aid:
                    raise ValueError(f"page name collision: {aid!r} and {pages[page]!r} -> {page}")
                with atomic_writer(report / "articles" / page) as fh:
                    fh.write(render_article(a, text, ms, rej_by_article.get(aid, [])))
        else:
            quarantined.append(a)
        titles[aid] = a.get("title") or ""
        mention_article.update((m["id"], aid) for m in ms if m["id"] in shared)
        for m in ms:
            org = _org(m)
            year = m.get("year")
            km = kind_code.get(m["kind"], 15) << 4 | metric_code.get(m.get("metric") or "", 0)
            if km not in groups_out:
                groups_out[km] = ((spool / f"{km}.jsonl").open("w", encoding="utf-8"), [], [])
            gfile, gy, gs = groups_out[km]
            gy.append(year_code.setdefault(year, len(year_code) + 1) if year else 0)
            gs.append(source_code.setdefault(org, len(source_code) + 1) if org else 0)
            by_kind[m["kind"]] += 1
            by_metric[m.get("metric") or "(none)"] += 1
            per_source[org or "(no source)"] += 1
            corrected += bool(m.get("corrected"))
            row = [aid, page or "", m["id"], m["text"], m["kind"], _fmt(m["value"]), m.get("unit") or "", m.get("qualifier") or "",
                   m.get("metric") or "", year or "", org, m["sentence"], 1 if m.get("corrected") else 0]
            gfile.write(json.dumps(row, ensure_ascii=False) + "\n")
            if m.get("metric") and year and page:
                pts = points[(m["metric"], m.get("unit") or "")][org or "(no source)"]
                key = (year, m["value"])
                if key in pts:
                    pts[key][2] += 1
                else:
                    pts[key] = [f"{aid}: {m['text']}", f"articles/{page}#m-{m['id']}", 1]
        a_chunks.add(article_row(a, page, ms))
    fk: list[int] = []
    fy: list[int] = []
    fs: list[int] = []
    fa: list[int] = []  # article ordinal and value of each mention, in table order: loaded only to sort by them
    fv: list[float] = []
    try:
        for km in sorted(groups_out):
            gfile, gy, gs = groups_out[km]
            gfile.close()
            with (spool / f"{km}.jsonl").open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    m_chunks.add(row)
                    fa.append(article_no[row[0]])
                    fv.append(float(row[5]))
            fk += [km] * len(gy)
            fy += gy
            fs += gs
    finally:
        for gfile, _gy, _gs in groups_out.values():
            gfile.close()
        shutil.rmtree(spool, ignore_errors=True)
    m_chunks.flush()
    a_chunks.flush()
    if len(year_code) > 255:
        raise ValueError("more than 255 distinct years")
    sw = 2 if len(source_code) < 65535 else 4
    with atomic_writer(data / "facets.js") as fh:
        fh.write("cxFacets(" + _json_script({"k": _b64("B", fk), "y": _b64("B", fy), "s": _b64("H" if sw == 2 else "I", fs), "sw": sw}) + ");\n")
    aw = 2 if n_articles < 65535 else 4
    with atomic_writer(data / "sort.js") as fh:
        fh.write("cxSortKeys(" + _json_script({"a": _b64("H" if aw == 2 else "I", fa), "aw": aw, "v": _b64("f", fv)}) + ");\n")
    for stale in old_pages - set(pages):  # pages of articles gone or renamed
        (report / "articles" / stale).unlink(missing_ok=True)
    for f in data.glob("*.js"):  # chunks beyond the current end
        m = re.fullmatch(r"([am])(\d+)\.js", f.name)
        if m and int(m.group(2)) >= (m_chunks.k if m.group(1) == "m" else a_chunks.k):
            f.unlink(missing_ok=True)

    article_pages = {aid: page for page, aid in pages.items()}
    studies_html = write_study_pages(out, report, article_pages, titles, mention_article, _page)
    n_mentions = len(fk)
    meta = {"n_mentions": n_mentions, "n_articles": n_articles, "chunk": MENTION_CHUNK, "achunk": ARTICLE_CHUNK, "page": PAGE_ROWS}
    charts = [f"<div class='chart'><h3>Mentions per source</h3>{bar_chart(dict(per_source))}</div>"]
    ranked = sorted(points, key=lambda k: (-sum(len(v) for v in points[k].values()), k))[:CHARTS_MAX]
    for metric, unit in ranked:
        by_source = points[(metric, unit)]
        order = sorted(by_source, key=lambda s: (-len(by_source[s]), s))
        series = {
            s: [(y, v, f"{lab}" + (f" and {n - 1} more" if n > 1 else ""), href) for (y, v), (lab, href, n) in by_source[s].items()]
            for s in order[:SERIES_MAX]
        }
        charts.append(
            f"<div class='chart'><h3>{e(metric)} over the years, by source</h3>"
            f"{metric_chart(series, metric, unit, more=max(0, len(order) - SERIES_MAX))}</div>"
        )

    def select(col: str, values: list[tuple[str, int]]) -> str:
        opts = "".join(f"<option value='{c}'>{e(str(v))}</option>" for v, c in values)
        return f"<label>{col} <select data-col='{col}'><option value=''>all</option>{opts}</select></label>"

    counts = {
        "articles": n_articles, "quarantined": n_articles - n_ok, "mentions": n_mentions, "corrected": corrected,
        "rejected_by_editors": n_editor_rejected, "rejected_by_validation": n_rejected_mentions,
        "by_kind": {k: by_kind[k] for k in kinds if by_kind[k]}, "by_metric": dict(by_metric),
    }
    with atomic_writer(data / "counts.json") as fh:
        fh.write(json.dumps(counts, ensure_ascii=False, sort_keys=True) + "\n")
    q_rows = "".join(
        f"<tr><td>{e(a['path'])}</td><td class='rejected'>rejected: {e(a.get('error') or '')}</td></tr>" for a in quarantined[:QUARANTINE_INLINE]
    )
    q_more = f"<p class='muted'>and {len(quarantined) - QUARANTINE_INLINE} more (see rejected.jsonl)</p>" if len(quarantined) > QUARANTINE_INLINE else ""
    body = (
        f"<h1>cxmetrics review</h1>{SUMMARY_START}{index_summary(counts)}{SUMMARY_END}"
        f"{_legend()}"
        f"<div class='charts'>{STATS_START}{index_stats(counts)}{STATS_END}"
        f"{''.join(charts)}</div>"
        + (f"<h2>Quarantined articles ({len(quarantined)})</h2><table id='quarantined'><tbody>{q_rows}</tbody></table>{q_more}" if quarantined else "")
        + studies_html
        + f"<h2>Articles ({n_articles})</h2><div class='filters'><label>search <input type='search' id='asearch' size='30' "
        "placeholder='title, file, source'></label> <span class='muted'><span id='ashown'></span> articles; click a heading to sort</span></div>"
        "<div class='pager' id='apager'></div>"
        "<table id='articles'><colgroup><col style='width:34%'><col style='width:8rem'><col style='width:7rem'><col><col><col style='width:8rem'></colgroup>"
        "<thead><tr><th data-sort='0'>title</th><th data-sort='3'>published</th><th class='num' data-sort='4'>mentions</th><th>by kind</th>"
        "<th data-sort='6'>sources</th><th data-sort='7'>status</th></tr></thead><tbody></tbody></table>"
        "<h2>Mentions</h2><div class='filters'>"
        + select("kind", [(k, kind_code[k]) for k in kinds if by_kind[k]])
        + select("metric", [(m, metric_code[m]) for m in metrics_list if by_metric[m]])
        + select("year", sorted(year_code.items()))
        + select("source", sorted(source_code.items(), key=lambda kv: kv[0].lower()))
        + f" <span class='muted'><span id='shown'>{n_mentions}</span> mentions, <span id='morder'>by kind, metric, then article</span>;"
        " click article, kind, value, metric, year or source to sort</span></div><div class='pager' id='mpager'></div>"
        "<table id='mentions'><colgroup><col style='width:11%'><col style='width:10%'><col style='width:8.5rem'><col style='width:5.5rem'>"
        "<col style='width:5rem'><col style='width:5.5rem'><col style='width:7rem'><col style='width:4.5rem'><col style='width:9%'><col></colgroup>"
        "<thead><tr><th data-sort='a'>article</th><th>text</th><th data-sort='k'>kind</th><th class='num' data-sort='v'>value</th><th>unit</th>"
        "<th>qualifier</th><th data-sort='m'>metric</th><th data-sort='y'>year</th><th data-sort='s'>source</th><th>sentence</th></tr></thead><tbody></tbody></table>"
        f"<script type='application/json' id='cx-meta'>{_json_script(meta)}</script>"
    )
    index = report / "index.html"
    with atomic_writer(index) as fh:
        fh.write(_page("cxmetrics review", body, INDEX_JS))
    return index


__all__ = [
    "KIND_COLOURS", "article_row", "editor_rejected", "index_stats", "index_summary", "metric_chart", "page_name", "read_article_text",
    "render_article", "table_order", "write_report",
]
