// Small DOM and formatting helpers shared by the insight views (features, monitoring, experiments, training,
// latency): one copy here instead of one per view.

/** Rows per page of a client-side paged table. */
export const PAGE = 20;

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, val] of Object.entries(attrs)) {
    el.setAttribute(k, val);
  }
  for (const c of children.flat()) {
    if (c != null && c !== false) {
      el.append(c instanceof Node ? c : String(c));
    }
  }
  return el;
}

export function enc(s) {
  return encodeURIComponent(s);
}

export function fmt(x) {
  if (x == null || Number.isNaN(x)) {
    return '—';
  }
  if (typeof x !== 'number') {
    return String(x);
  }
  if (Number.isInteger(x)) {
    return String(x);
  }
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(2) : x.toFixed(a < 1 ? 4 : 2);
}

export function link(ctx, path, label) {
  const a = h('a', { href: path }, label);
  a.addEventListener('click', (e) => {
    if (!e.metaKey && !e.ctrlKey && !e.shiftKey && e.button === 0) {
      e.preventDefault();
      ctx.navigate(path);
    }
  });
  return a;
}

export function section(title, testid, ...children) {
  return h('section', { 'data-testid': testid }, h('h2', {}, title), ...children);
}

/** A table in the shell's scrolling wrapper (wide tables scroll inside it on a narrow screen). */
export function table({ testid, columns, rows, cells }) {
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...cells(r).map((c) => h('td', {}, c)))))));
}

export function pagedTable(spec) {
  const wrap = h('div', { class: 'paged' });
  let page = 0;
  const pages = Math.max(1, Math.ceil(spec.rows.length / PAGE));
  const draw = () => {
    wrap.replaceChildren(table({ ...spec, rows: spec.rows.slice(page * PAGE, (page + 1) * PAGE) }));
    if (pages > 1) {
      const prev = h('button', { type: 'button', 'data-testid': `${spec.testid}-prev` }, '‹ Previous');
      const next = h('button', { type: 'button', 'data-testid': `${spec.testid}-next` }, 'Next ›');
      prev.disabled = page === 0;
      next.disabled = page === pages - 1;
      prev.onclick = () => { page--; draw(); };
      next.onclick = () => { page++; draw(); };
      wrap.append(h('div', { class: 'pager' }, prev, ` page ${page + 1} of ${pages} (${spec.rows.length}) `, next));
    }
  };
  draw();
  return wrap;
}

/**
 * A table paged by the server: `load(token)` answers `{ rows, next }` for the page after `token` (null: the first),
 * as the API's `max_results` / `page_token` / `next_page_token` do; tokens of earlier pages are kept for "Previous".
 * Draws the first page before it returns.
 */
export async function serverTable(spec) {
  const wrap = h('div', { class: 'paged' });
  const tokens = [null];
  let at = 0;
  const draw = async () => {
    const page = await spec.load(tokens[at]);
    tokens[at + 1] = page.next || undefined;
    wrap.replaceChildren(table({ ...spec, rows: page.rows }));
    if (at > 0 || page.next) {
      const prev = h('button', { type: 'button', 'data-testid': `${spec.testid}-prev` }, '‹ Previous');
      const next = h('button', { type: 'button', 'data-testid': `${spec.testid}-next` }, 'Next ›');
      prev.disabled = at === 0;
      next.disabled = !page.next;
      prev.onclick = () => { at--; draw(); };
      next.onclick = () => { at++; draw(); };
      wrap.append(h('div', { class: 'pager' }, prev, ` page ${at + 1} `, next));
    }
  };
  await draw();
  return wrap;
}

/**
 * The loader of a listing route paged by the server (`max_results`, `page_token` → `next_page_token`): `get(token)`
 * fetches one page of `path` with `params`; `rows(answer)` picks the items out of it. `first` (a page already read)
 * is served for the first page.
 */
export function pages(ctx, path, params, field, first) {
  const url = (token) => `${path}?${new URLSearchParams({ ...params, max_results: String(LIST_PAGE), ...(token ? { page_token: token } : {}) })}`;
  return {
    first: () => ctx.api.get(url(null)),
    load: async (token) => {
      const answer = token || !first ? await ctx.api.get(url(token)) : first;
      return { rows: answer[field] || [], next: answer.next_page_token };
    },
    withFirst(answer) { first = answer; return this; },
  };
}

/** Rows per page of the listings the server pages. */
export const LIST_PAGE = 25;

/** '2026-12-07T06:10:25.0089Z' → '12-07 06:10:25'; other labels unchanged. */
export function shortTime(s) {
  const m = /^\d{4}-(\d\d-\d\dT\d\d:\d\d:\d\d)/.exec(String(s));
  return m ? m[1].replace('T', ' ') : String(s);
}

export function fact(term, value, testid) {
  return [h('dt', {}, term), h('dd', testid ? { 'data-testid': testid } : {}, value)];
}

/** A line chart of `series` ({name, values, dash?, width?, axis?}) over the times `x`; `log` for a log y axis. */
/** An ECharts line chart over categories (window ends, days); `log` for values spanning orders of magnitude. */
export function lineChart(ctx, el, { x, series, log = false, yName }) {
  return ctx.ui.chart(el, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 64, right: 64, top: 36, bottom: 36 },
    xAxis: { type: 'category', data: x.map(shortTime) },
    // a series with `axis: 1` (another unit, e.g. requests/s beside milliseconds) gets its own axis on the right
    yAxis: [{ type: log ? 'log' : 'value', name: yName, scale: !log,
      axisLabel: log ? { formatter: (v) => Number(v).toExponential(0) } : {} },
    ...(series.some((s) => s.axis === 1) ? [{ type: 'value', name: series.find((s) => s.axis === 1).name,
      scale: true }] : [])],
    series: series.map((s) => ({ name: s.name, type: 'line', data: s.values, connectNulls: true, yAxisIndex: s.axis || 0,
      lineStyle: { type: s.dash ? 'dashed' : 'solid', width: s.width || 2 } })),
  });
}
