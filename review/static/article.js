/* An article page (templates/article.html): marks in the text and rows of the mention table select each
 * other (and #m-<id> links select one); the table sorts by a click on a heading. */
'use strict';
const marks = new Map(),
  rows = new Map();
document.querySelectorAll('mark[data-id]').forEach((m) => marks.set(m.dataset.id, m));
document.querySelectorAll('tr[data-id]').forEach((r) => rows.set(r.dataset.id, r));
function select(id, from) {
  document.querySelectorAll('.sel').forEach((x) => x.classList.remove('sel'));
  const m = marks.get(id),
    r = rows.get(id);
  if (m) m.classList.add('sel');
  if (r) r.classList.add('sel');
  const other = from === 'row' ? m : r;
  if (other) other.scrollIntoView({ block: 'center', behavior: 'instant' });
  if (history.replaceState) history.replaceState(null, '', '#m-' + id);
}
marks.forEach((m, id) =>
  m.addEventListener('click', (ev) => {
    if (!getSelection().isCollapsed) return;
    select(id, 'mark');
  }),
);
rows.forEach((r, id) =>
  r.addEventListener('click', (ev) => {
    if (ev.target.closest('button')) return;
    select(id, 'row');
  }),
);
function fromHash() {
  const h = decodeURIComponent(location.hash.slice(1));
  if (h.startsWith('m-')) select(h.slice(2), 'hash');
}
const mt = document.getElementById('mentions');
mt.querySelectorAll('th[data-sort]').forEach((th) =>
  th.addEventListener('click', () => {
    const c = Number(th.dataset.sort),
      num = th.hasAttribute('data-num');
    const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    mt.querySelectorAll('th[data-sort]').forEach((h) => h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
    const tb = mt.tBodies[0],
      rs = [...tb.rows];
    const key = (r) => {
      const t = r.cells[c].textContent.trim();
      return t === '' ? null : num ? parseFloat(t) : t.toLowerCase();
    };
    const at = (r) => Number(r.cells[0].textContent);
    rs.sort((x, y) => {
      const a = key(x),
        b = key(y);
      if (a === null || b === null) return (a === null) - (b === null) || at(x) - at(y);
      return (a < b ? -1 : a > b ? 1 : 0) * dir || at(x) - at(y);
    });
    tb.append(...rs);
  }),
);
fromHash();
window.addEventListener('hashchange', fromHash);
