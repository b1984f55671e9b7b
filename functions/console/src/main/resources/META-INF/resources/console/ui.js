// Small DOM helpers shared by every view. Text always goes in as text (textContent), never as HTML.

/** h('a', {href, class, dataset: {testid}}, child...) → element; strings become text nodes, null/false are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * Empties `root` and fills it with `children`. A control inside `root` that had the keyboard focus (a sort header,
 * a pager button) hands it to its namesake in the new content (same data-testid; an enabled one of the same group
 * when it is now disabled), so redrawing a table does not throw a keyboard user back to the top of the page.
 */
export function fill(root, ...children) {
  const had = root.contains(document.activeElement) ? document.activeElement.dataset?.testid : undefined;
  root.replaceChildren();
  append(root, children);
  if (had) refocus(root, had);
  return root;
}

/** Focuses the control named `testid` in `root` (or an enabled one beside it). */
export function refocus(root, testid) {
  const same = root.querySelector(`[data-testid="${CSS.escape(testid)}"]`);
  const el = same && !same.disabled ? same
    : [...(same?.parentElement?.querySelectorAll('button, a[href], input, select') || [])].find((x) => !x.disabled);
  el?.focus({ preventScroll: true });
}

export const link = (href, text, attrs = {}) => h('a', { href, ...attrs }, text);

/** An API error (or any error) shown as the API's own message. */
export function error(root, err, { replace = true } = {}) {
  const box = h('div', { class: 'error', role: 'alert', testid: 'error' }, err?.message || String(err));
  if (replace) fill(root, box); else root.append(box);
  return box;
}

/** A message shown in `slot` (replacing what was there): kind 'error' or 'notice'. */
export function say(slot, kind, text) {
  fill(slot, h('div', { class: kind, role: kind === 'error' ? 'alert' : 'status', testid: kind }, text));
}

export const muted = (text) => h('p', { class: 'muted' }, text);

export function num(v, digits = 4) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function when(iso) {
  if (!iso) return '—';
  const d = typeof iso === 'number' ? new Date(iso) : new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function badge(text, tone) {
  const t = tone ?? ({ APPROVED: 'ok', READY: 'ok', SUCCEEDED: 'ok', RUNNING: 'warn', QUEUED: 'warn', PENDING_REVIEW: 'warn',
    REJECTED: 'bad', FAILED: 'bad', CANCELLED: 'bad' })[String(text).toUpperCase()];
  return h('span', { class: `badge ${t || ''}` }, text);
}

/** A definition list from [label, value] pairs (values may be nodes). */
export function kv(pairs, attrs = {}) {
  return h('dl', { class: 'kv', ...attrs }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

/**
 * A table. columns: [{key, label, num, sort, render(row)}]; sort: {key, desc} — a column with `sort` gets a button
 * in its header that calls onSort(key, desc) (the caller asks the server for that order).
 */
export function table({ columns, rows, sort, onSort, testid, empty = 'Nothing here yet.', rowTestid }) {
  const head = h('tr', {}, columns.map((c) => {
    let label = c.label;
    let ariaSort;
    if (c.sort && onSort) {
      const active = sort && sort.key === c.sort;
      ariaSort = active ? (sort.desc ? 'descending' : 'ascending') : 'none';
      label = h('button', { class: 'sort', type: 'button', testid: `sort-${c.sort}`,
        onclick: () => onSort(c.sort, active ? !sort.desc : false) }, c.label, active ? (sort.desc ? ' ▼' : ' ▲') : '');
    }
    return h('th', { class: c.num ? 'num' : null, scope: 'col', 'aria-sort': ariaSort }, label);
  }));
  const body = rows.length
    ? rows.map((r) => h('tr', { testid: rowTestid ? rowTestid(r) : 'row' },
      columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.render ? c.render(r) : (c.num ? num(r[c.key]) : r[c.key] ?? '—')))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty))];
  return h('div', { class: 'table-wrap' }, h('table', { testid }, h('thead', {}, head), h('tbody', {}, body)));
}

/** Previous/next over page tokens: `tokens` is the stack of tokens that led to this page. */
export function pager({ hasPrev, hasNext, onPrev, onNext, label, testid = 'pager' }) {
  return h('div', { class: 'pager', testid },
    h('button', { type: 'button', disabled: !hasPrev, onclick: onPrev, testid: 'prev' }, '← Previous'),
    h('span', { class: 'muted' }, label || ''),
    h('button', { type: 'button', disabled: !hasNext, onclick: onNext, testid: 'next' }, 'Next →'));
}

/** A modal confirmation: resolves true when the person confirms. */
export function confirm(message, { action = 'Confirm', danger = false } = {}) {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: danger ? 'danger' : 'primary', testid: 'confirm-yes' }, action);
    const no = h('button', { type: 'button', testid: 'confirm-no' }, 'Cancel');
    const dlg = h('dialog', { testid: 'confirm', 'aria-label': 'Confirm' }, h('p', {}, message),
      h('div', { class: 'toolbar' }, yes, no));
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
  });
}

let echartsModule;
/** ECharts (from its WebJar, loaded on first use), drawn as SVG so the chart is in the page's DOM. */
export async function chart(el, option) {
  echartsModule ??= await import('/console/vendor/echarts.esm.min.js');
  const c = echartsModule.init(el, null, { renderer: 'svg' });
  c.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const ro = new ResizeObserver(() => c.resize());
  ro.observe(el);
  el.dataset.chart = 'drawn';
  return c;
}

export const ui = { h, fill, link, error, say, muted, num, when, badge, kv, table, pager, confirm, chart };
