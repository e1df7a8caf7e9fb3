/* Review mode (the review server's article pages): reject, correct or add a mention; each correction is
 * posted with the page's session token and the page reloads with it applied. Loaded after article.js. */
'use strict';
const TOKEN = document.querySelector('meta[name=cx-token]').content;
const AID = JSON.parse(document.getElementById('cx-article').textContent);
const REC = JSON.parse(document.getElementById('cx-records').textContent);
const panel = document.getElementById('panel'),
  form = document.getElementById('edit'),
  statusLine = document.getElementById('status');
let editing = null;
function say(msg, err) {
  statusLine.textContent = msg;
  statusLine.className = err ? 'err' : '';
}
async function send(body) {
  const r = await fetch('/api/corrections', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CX-Token': TOKEN },
    body: JSON.stringify(body),
  });
  let j = {};
  try {
    j = await r.json();
  } catch (_) {
    /* not JSON: the status says enough */
  }
  if (!r.ok) throw new Error(typeof j.detail === 'string' ? j.detail : JSON.stringify(j.detail || r.status));
  return j;
}
function done(msg) {
  say(msg + ' Saved to corrections.jsonl; the next run applies it.');
  setTimeout(() => location.reload(), 600);
}
function offset(node, off) {
  const el = (node.nodeType === 3 ? node.parentElement : node).closest('[data-o]');
  if (!el || !el.closest('article')) return null;
  return Number(el.dataset.o) + (node.nodeType === 3 ? off : 0);
}
function fill(rec) {
  for (const f of ['value', 'kind', 'unit', 'qualifier', 'metric', 'year']) {
    form.elements[f].value = rec && rec[f] != null ? rec[f] : '';
  }
  const s = (rec && rec.source) || {};
  form.elements.organization.value = s.organization || '';
  form.elements.report.value = s.report || '';
  form.elements.person.value = s.person || '';
}
function openPanel(mode, rec, span, text) {
  editing = { mode, rec, span, text };
  fill(rec);
  document.getElementById('ptitle').textContent =
    (mode === 'add' ? 'Add a missed figure: ' : 'Correct ') +
    '\u201c' +
    text +
    '\u201d (' +
    span.start +
    '..' +
    span.end +
    ')';
  panel.classList.add('open');
  form.elements.value.focus();
}
document.querySelectorAll('button[data-act]').forEach((b) =>
  b.addEventListener('click', async (ev) => {
    ev.stopPropagation();
    const rec = REC[b.dataset.id];
    if (b.dataset.act === 'edit') {
      openPanel('set', rec, rec.span, rec.text);
      return;
    }
    try {
      await send({ article_id: AID, span: rec.span, action: 'reject', fields: {} });
      done('Rejected \u201c' + rec.text + '\u201d.');
    } catch (err) {
      say('Not saved: ' + err.message, true);
    }
  }),
);
document.getElementById('addsel').addEventListener('click', () => {
  const s = getSelection();
  if (s.isCollapsed || !s.rangeCount) {
    say('Select the figure in the text first.', true);
    return;
  }
  const r = s.getRangeAt(0);
  const a = offset(r.startContainer, r.startOffset),
    b = offset(r.endContainer, r.endOffset);
  if (a === null || b === null || b <= a) {
    say('Select the figure inside the article text.', true);
    return;
  }
  openPanel('add', null, { start: a, end: b }, s.toString());
});
document.getElementById('cancel').addEventListener('click', () => {
  panel.classList.remove('open');
  editing = null;
});
function val(name) {
  const v = form.elements[name].value.trim();
  return v === '' ? null : v;
}
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!editing) return;
  const f = {};
  const num = val('value');
  if (num !== null) f.value = Number(num.replace(',', '.'));
  for (const k of ['kind', 'unit', 'qualifier', 'metric']) f[k] = val(k);
  f.year = val('year') === null ? null : Number(val('year'));
  const src = { organization: val('organization'), report: val('report'), person: val('person') };
  f.source = src.organization || src.report || src.person ? src : null;
  let fields = f;
  if (editing.mode === 'set') {
    fields = {};
    const o = editing.rec;
    for (const k of ['value', 'kind', 'unit', 'qualifier', 'metric', 'year'])
      if ((f[k] ?? null) !== (o[k] ?? null)) fields[k] = f[k];
    if (
      JSON.stringify(f.source) !==
      JSON.stringify(
        o.source
          ? {
              organization: o.source.organization ?? null,
              report: o.source.report ?? null,
              person: o.source.person ?? null,
            }
          : null,
      )
    )
      fields.source = f.source;
    if (!Object.keys(fields).length) {
      say('Nothing changed.', true);
      return;
    }
  } else {
    for (const k of Object.keys(fields)) if (fields[k] === null) delete fields[k];
  }
  try {
    await send({ article_id: AID, span: editing.span, action: editing.mode, fields, text: editing.text });
    done((editing.mode === 'add' ? 'Added' : 'Corrected') + ' \u201c' + editing.text + '\u201d.');
  } catch (err) {
    say('Not saved: ' + err.message, true);
  }
});
