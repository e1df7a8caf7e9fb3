/* The index (templates/index.html): the article list and the mention table, paged from report/data/*.js.
 * Data files are <script>s that call back (cxRows, cxFacets, cxSortKeys): a page opened from file:// may load
 * scripts beside it but not fetch() them. Filters run over data/facets.js, sorts over whole-table orders
 * computed once per heading; all of it holds at 10,000 articles (bench/report_bench.py). */
'use strict';
const META = JSON.parse(document.getElementById('cx-meta').textContent);
const loaded = {},
  waiting = {};
let F = null,
  result = null,
  mpage = 0,
  apage = 0,
  gen = 0;
window.cxRows = (t, k, rows) => {
  const key = t + k;
  loaded[key] = rows;
  (waiting[key] || []).forEach((f) => f.ok(rows));
  delete waiting[key];
};
function load(key) {
  if (loaded[key]) return Promise.resolve(loaded[key]);
  return new Promise((ok, fail) => {
    if (waiting[key]) {
      waiting[key].push({ ok, fail });
      return;
    }
    waiting[key] = [{ ok, fail }];
    const s = document.createElement('script');
    s.src = 'data/' + key + '.js';
    s.onerror = () => {
      (waiting[key] || []).forEach((f) => f.fail(new Error('cannot load ' + s.src)));
      delete waiting[key];
    };
    document.head.appendChild(s);
  });
}
function dec(b64, T) {
  const bin = atob(b64);
  const u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
  return new T(u.buffer);
}
function facets() {
  if (F) return Promise.resolve(F);
  return new Promise((ok, fail) => {
    window.cxFacets = (d) => {
      F = { k: dec(d.k, Uint8Array), y: dec(d.y, Uint8Array), s: dec(d.s, d.sw === 4 ? Uint32Array : Uint16Array) };
      ok(F);
    };
    const s = document.createElement('script');
    s.src = 'data/facets.js';
    s.onerror = () => fail(new Error('cannot load data/facets.js'));
    document.head.appendChild(s);
  });
}
function td(text, cls) {
  const c = document.createElement('td');
  c.textContent = text == null ? '' : String(text);
  if (cls) c.className = cls;
  return c;
}
function link(text, href) {
  const a = document.createElement('a');
  a.textContent = text;
  a.href = href;
  return a;
}
function mrow(r) {
  // [article_id, page, id, text, kind, value, unit, qualifier, metric, year, source, sentence, corrected]
  const tr = document.createElement('tr');
  const a = td('');
  a.appendChild(link(r[0], 'articles/' + r[1]));
  tr.appendChild(a);
  const t = td('');
  t.appendChild(link(r[3], 'articles/' + r[1] + '#m-' + r[2]));
  if (r[12]) {
    const b = document.createElement('span');
    b.className = 'badge';
    b.textContent = 'corrected';
    t.appendChild(b);
  }
  tr.appendChild(t);
  const k = td('');
  const chip = document.createElement('span');
  chip.className = 'chip k-' + r[4];
  chip.textContent = r[4];
  k.appendChild(chip);
  tr.appendChild(k);
  tr.appendChild(td(r[5], 'num'));
  [6, 7, 8, 9, 10].forEach((i) => tr.appendChild(td(r[i])));
  const s = td('');
  const at = r[11].indexOf(r[3]);
  if (at >= 0) {
    s.append(r[11].slice(0, at));
    const b = document.createElement('b');
    b.textContent = r[3];
    s.append(b, r[11].slice(at + r[3].length));
  } else s.textContent = r[11];
  tr.appendChild(s);
  return tr;
}
function arow(r) {
  // [title, page|null, path, published, n, kinds, sources, status]
  const tr = document.createElement('tr');
  const c = td('');
  if (r[1]) c.appendChild(link(r[0], 'articles/' + r[1]));
  else c.append(r[0]);
  const p = document.createElement('div');
  p.className = 'muted';
  p.textContent = r[2];
  c.appendChild(p);
  tr.appendChild(c);
  tr.appendChild(td(r[3]));
  tr.appendChild(td(r[4], 'num'));
  tr.appendChild(td(r[5]));
  tr.appendChild(td(r[6]));
  const st = td(r[7] === 'ok' ? 'ok' : 'rejected: ' + r[7]);
  if (r[7] !== 'ok') st.className = 'rejected';
  tr.appendChild(st);
  return tr;
}
function pager(el, page, total, size, go) {
  el.replaceChildren();
  const pages = Math.max(1, Math.ceil(total / size));
  const b = (label, p, dis) => {
    const x = document.createElement('button');
    x.type = 'button';
    x.textContent = label;
    x.disabled = dis;
    x.addEventListener('click', () => go(p));
    el.appendChild(x);
  };
  b('\u00ab first', 0, page === 0);
  b('\u2039 previous', page - 1, page === 0);
  const s = document.createElement('span');
  s.textContent = 'page ' + (page + 1) + ' of ' + pages;
  el.appendChild(s);
  b('next \u203a', page + 1, page >= pages - 1);
  b('last \u00bb', pages - 1, page >= pages - 1);
}
async function showMentions() {
  const my = ++gen;
  const total = result ? result.length : META.n_mentions;
  const idx = [];
  for (let j = mpage * META.page; j < Math.min(total, (mpage + 1) * META.page); j++) idx.push(result ? result[j] : j);
  const keys = [...new Set(idx.map((i) => 'm' + Math.floor(i / META.chunk)))];
  await Promise.all(keys.map(load));
  if (my !== gen) return;
  document
    .querySelector('#mentions tbody')
    .replaceChildren(...idx.map((i) => mrow(loaded['m' + Math.floor(i / META.chunk)][i % META.chunk])));
  document.getElementById('shown').textContent = total;
  pager(document.getElementById('mpager'), mpage, total, META.page, (p) => {
    mpage = p;
    showMentions();
  });
}
// the article list: pages of the data files as they are; searched or sorted, all article rows (loaded once)
const AN = Math.ceil(META.n_articles / META.achunk);
let asort = null,
  adir = 1,
  aq = '',
  aview = null,
  agen = 0;
function blank(v) {
  return v === '' || v == null;
}
function acmp(c) {
  return (x, y) => {
    const a = x[c],
      b = y[c];
    if (blank(a) !== blank(b)) return blank(a) ? 1 : -1;
    if (c === 4) return (a - b) * adir;
    const p = String(a).toLowerCase(),
      q = String(b).toLowerCase();
    return p < q ? -adir : p > q ? adir : 0;
  };
}
async function showArticles() {
  const my = ++agen;
  let rows, total;
  if (asort === null && !aq) {
    rows = await load('a' + apage);
    total = META.n_articles;
  } else {
    if (!aview) {
      const ks = [];
      for (let k = 0; k < AN; k++) ks.push(load('a' + k));
      const all = (await Promise.all(ks)).flat();
      const q = aq.toLowerCase();
      let v = q ? all.filter((r) => [r[0], r[2], r[6]].join(' ').toLowerCase().includes(q)) : all.slice();
      if (asort !== null) v.sort(acmp(asort));
      if (my !== agen) return;
      aview = v;
    }
    total = aview.length;
    rows = aview.slice(apage * META.achunk, (apage + 1) * META.achunk);
  }
  if (my !== agen) return;
  document.querySelector('#articles tbody').replaceChildren(...rows.map(arow));
  document.getElementById('ashown').textContent = total;
  pager(document.getElementById('apager'), apage, total, META.achunk, (p) => {
    apage = p;
    showArticles();
  });
}
function sortable(table, go) {
  table.querySelectorAll('th[data-sort]').forEach((th) =>
    th.addEventListener('click', () => {
      const was = th.getAttribute('aria-sort');
      table.querySelectorAll('th[data-sort]').forEach((h) => h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', was === 'ascending' ? 'descending' : 'ascending');
      go(th.dataset.sort, was === 'ascending' ? -1 : 1, th.textContent);
    }),
  );
}
sortable(document.getElementById('articles'), (c, d) => {
  asort = Number(c);
  adir = d;
  aview = null;
  apage = 0;
  showArticles();
});
document.getElementById('asearch').addEventListener('input', (ev) => {
  aq = ev.target.value.trim();
  aview = null;
  apage = 0;
  showArticles();
});
// the mention table sorted by a heading: kind, metric, year and source from the facets, article and value from data/sort.js
let msort = null,
  mdir = 1,
  mlabel = '',
  SK = null;
function sortKeys() {
  if (SK) return Promise.resolve(SK);
  return new Promise((ok, fail) => {
    window.cxSortKeys = (d) => {
      SK = { a: dec(d.a, d.aw === 4 ? Uint32Array : Uint16Array), v: dec(d.v, Float32Array) };
      ok(SK);
    };
    const s = document.createElement('script');
    s.src = 'data/sort.js';
    s.onerror = () => fail(new Error('cannot load data/sort.js'));
    document.head.appendChild(s);
  });
}
function ranks(name) {
  const r = new Map();
  document.querySelectorAll('select[data-col=' + name + '] option').forEach((o, i) => {
    if (o.value !== '') r.set(Number(o.value), i);
  });
  return r;
}
async function keyOf(c) {
  const D = await facets();
  if (c === 'k') return (i) => D.k[i] >> 4;
  if (c === 'm') return (i) => D.k[i] & 15 || null;
  if (c === 'y') {
    const r = ranks('year');
    return (i) => (D.y[i] ? r.get(D.y[i]) : null);
  }
  if (c === 's') {
    const r = ranks('source');
    return (i) => (D.s[i] ? r.get(D.s[i]) : null);
  }
  const K = await sortKeys();
  return c === 'a' ? (i) => K.a[i] : (i) => K.v[i];
}
// every row in the order of a heading, computed once per heading and direction with native numeric sorts (a key's
// rank and the row packed into one float), then any filter's rows are picked from it in one pass
const PERM = {},
  M26 = 67108864;
async function perm(c, dir) {
  const id = c + dir;
  if (PERM[id]) return PERM[id];
  const key = await keyOf(c),
    n = META.n_mentions;
  const rows = [],
    none = [],
    ks = [];
  for (let i = 0; i < n; i++) {
    const v = key(i);
    if (v == null) none.push(i);
    else {
      rows.push(i);
      ks.push(v);
    }
  }
  const u = Float64Array.from(ks).sort(),
    packed = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    let lo = 0,
      hi = u.length - 1;
    const v = ks[j];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    packed[j] = (dir > 0 ? lo : u.length - 1 - lo) * M26 + rows[j];
  }
  packed.sort();
  const out = new Int32Array(n);
  for (let j = 0; j < packed.length; j++) out[j] = packed[j] % M26;
  out.set(none, packed.length);
  return (PERM[id] = out);
}
async function ordered(idx) {
  const P = await perm(msort, mdir),
    n = META.n_mentions;
  if (idx.length === n) return P;
  const keep = new Uint8Array(n);
  for (let j = 0; j < idx.length; j++) keep[idx[j]] = 1;
  const out = new Int32Array(idx.length);
  let c = 0;
  for (let j = 0; j < n; j++) {
    const i = P[j];
    if (keep[i]) out[c++] = i;
  }
  return out;
}
sortable(document.getElementById('mentions'), (c, d, label) => {
  msort = c;
  mdir = d;
  mlabel = label;
  cxApply();
});
function code(name) {
  const v = document.querySelector('select[data-col=' + name + ']').value;
  return v === '' ? -1 : Number(v);
}
async function cxApply() {
  const f = { k: code('kind'), m: code('metric'), y: code('year'), s: code('source') };
  mpage = 0;
  let idx = null;
  if (!(f.k < 0 && f.m < 0 && f.y < 0 && f.s < 0)) {
    const D = await facets();
    const n = META.n_mentions,
      out = new Int32Array(n);
    let c = 0;
    for (let i = 0; i < n; i++) {
      const km = D.k[i];
      if (f.k >= 0 && km >> 4 !== f.k) continue;
      if (f.m >= 0 && (km & 15) !== f.m) continue;
      if (f.y >= 0 && D.y[i] !== f.y) continue;
      if (f.s >= 0 && D.s[i] !== f.s) continue;
      out[c++] = i;
    }
    idx = out.subarray(0, c);
  }
  if (msort !== null) idx = idx ? await ordered(idx) : await perm(msort, mdir);
  result = idx;
  await showMentions();
  // the order is named once its rows are on the page (the first sort by article or value loads data/sort.js)
  document.getElementById('morder').textContent =
    msort === null
      ? 'by kind, metric, then article'
      : 'by ' + mlabel.trim() + (mdir > 0 ? ', ascending' : ', descending') + ' (none last)';
}
window.cxApply = cxApply;
document.querySelectorAll('.filters select').forEach((s) =>
  s.addEventListener('change', () => {
    const t = performance.now();
    cxApply().then(() => {
      window.cxLastFilterMs = performance.now() - t;
    });
  }),
);
window.cxReady = Promise.all([showMentions(), showArticles()]);
