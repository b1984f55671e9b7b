// Experiments: the list (search by name and hypothesis, by model and state, newest first), and per experiment its
// design, results with lift and confidence interval per metric, the primary metric's lift over time, the sample
// ratio check, and the decisions with the evidence they were made on. Data: /api/v1/experiments[/{id}[/results|
// /decisions]].

import { h, enc, fmt, link, section, table, pagedTable, serverTable, pages, lineChart } from './parts.js';
const STATES = ['', 'draft', 'running', 'paused', 'stopped'];

export async function render(root, params, ctx) {
  if (params.id) {
    return one(root, params, ctx);
  }
  return list(root, params, ctx);
}

async function list(root, params, ctx) {
  const q = params.query?.get('q') || '';
  const state = params.query?.get('state') || '';
  const model = params.query?.get('model') || '';
  const filters = {};
  if (q) filters.q = q;
  if (state) filters.state = state;
  if (model) filters.model = model;
  const listing = pages(ctx, '/api/v1/experiments', filters, 'experiments'); // paged by the server
  const firstPage = await listing.first();
  listing.withFirst(firstPage);
  const experiments = firstPage.experiments;

  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, 'Experiments'));
  const qInput = h('input', { type: 'search', name: 'q', value: q, placeholder: 'name or hypothesis',
    'aria-label': 'search', 'data-testid': 'experiments-search' });
  const modelInput = h('input', { type: 'text', name: 'model', value: model, placeholder: 'model',
    'aria-label': 'model' });
  const stateSelect = h('select', { name: 'state', 'aria-label': 'state' },
    ...STATES.map((s) => h('option', { value: s, ...(s === state ? { selected: '' } : {}) }, s || 'any state')));
  const form = h('form', { class: 'toolbar', role: 'search' }, qInput, modelInput, stateSelect,
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (qInput.value) next.set('q', qInput.value);
    if (modelInput.value) next.set('model', modelInput.value);
    if (stateSelect.value) next.set('state', stateSelect.value);
    ctx.navigate('/console/experiments' + (next.size ? '?' + next : ''));
  });
  root.append(form);
  if (!experiments.length) {
    root.append(h('p', { 'data-testid': 'experiments-empty' }, 'No experiments match.'));
    return;
  }
  root.append(await serverTable({
    testid: 'experiments-table',
    columns: ['name', 'model', 'state', 'arms', 'primary metric', 'analysis', 'created', 'started', 'stopped'],
    load: listing.load,
    cells: (e) => [link(ctx, `/console/experiments/${enc(e.id)}`, e.name || e.id), `${e.model} @${e.alias}`,
      stateBadge(e.state), e.arms.map((a) => `${a.name}${a.version != null ? ' v' + a.version : ''} ${pct(a.weight)}`)
        .join(' · '), e.metrics?.primary?.name || '', e.analysis, e.created_at || '', e.started_at || '',
      e.stopped_at || ''],
  }));
}

async function one(root, params, ctx) {
  const base = `/api/v1/experiments/${enc(params.id)}`;
  const e = await ctx.api.get(base); // 404 → the not-found page
  const [results, { decisions }] = await Promise.all([ctx.api.get(`${base}/results`), ctx.api.get(`${base}/decisions`)]);

  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, `Experiment · ${e.name}`),
    h('p', { 'data-testid': 'experiment-summary' }, stateBadge(e.state), ` ${e.id} on ${e.model} @${e.alias}`,
      ` · unit ${e.unit} · ${e.analysis} analysis · ${e.sample_size_per_arm} units per arm designed`,
      e.expected_duration_days != null ? ` (about ${fmt(e.expected_duration_days)} days)` : ''),
    e.hypothesis ? h('p', {}, h('em', {}, e.hypothesis)) : '');

  if (results.srm?.flagged) {
    root.append(h('p', { class: 'warning', role: 'alert', 'data-testid': 'srm-warning' },
      `Sample ratio mismatch: χ² = ${fmt(results.srm.chi_squared)}, p = ${fmt(results.srm.p_value)} — the arms did not `
      + 'get the units their weights promise; the results are not trusted and no automatic decision is applied.'));
  }

  root.append(section('Arms', 'arms', table({
    testid: 'arms-table', columns: ['arm', 'version', 'weight', 'units', 'share of units'],
    rows: results.arms,
    cells: (a) => {
      const total = results.arms.reduce((s, x) => s + x.units, 0);
      const def = e.arms.find((x) => x.name === a.arm) || {};
      return [a.arm, def.version != null ? 'v' + def.version : (def.variant || ''), pct(a.weight), String(a.units),
        total ? pct(a.units / total) : '—'];
    },
  }), h('p', { 'data-testid': 'srm' }, `Sample ratio test: χ² ${fmt(results.srm?.chi_squared)}, `
    + `p ${fmt(results.srm?.p_value)}${results.srm?.flagged ? ' — flagged' : ' — ok'}`)));

  // Results per metric: each treatment arm against control.
  const rows = [];
  for (const m of results.metrics) {
    for (const c of m.comparisons) {
      rows.push({ m, c });
    }
  }
  root.append(section('Results', 'results', table({
    testid: 'results-table',
    columns: ['metric', 'role', 'arm', 'control mean', 'arm mean', 'lift', 'CI', 'relative lift', 'relative CI',
      'p-value', 'chance to win', 'verdict'],
    rows,
    cells: ({ m, c }) => {
      const control = m.arms[0];
      const arm = m.arms.find((a) => a.arm === c.arm) || {};
      return [m.metric + (m.cuped ? ' (CUPED)' : ''), m.role, c.arm, fmt(control?.mean), fmt(arm.mean), fmt(c.lift),
        interval(c.ci), c.relative_lift == null ? '—' : pct(c.relative_lift), interval(c.relative_ci, pct),
        fmt(c.adjusted_p_value ?? c.p_value), c.chance_to_win == null ? '—' : pct(c.chance_to_win),
        c.breached ? h('span', { class: 'bad' }, 'guardrail breached')
          : c.significant ? h('strong', {}, 'significant') : 'not significant'];
    },
  }), forest(results)));

  // The primary metric's relative lift with its interval, per day.
  const series = results.series || [];
  const overTime = h('div', { class: 'chart', 'data-testid': 'lift-chart' });
  root.append(section(`Lift over time · ${e.metrics?.primary?.name}`, 'lift-over-time',
    series.length ? overTime : h('p', {}, 'No days with data yet.')));
  if (series.length) {
    await lineChart(ctx, overTime, {
      yName: 'relative lift', x: series.map((p) => p.date),
      series: [
        { name: 'relative lift', values: series.map((p) => p.relative_lift) },
        { name: 'CI low', values: series.map((p) => p.relative_ci?.[0] ?? null), dash: true },
        { name: 'CI high', values: series.map((p) => p.relative_ci?.[1] ?? null), dash: true },
      ],
    });
  }
  if (results.holdout) {
    root.append(section('Holdout', 'holdout', h('p', {}, `${results.holdout.units} units held out`), table({
      testid: 'holdout-table', columns: ['metric', 'held-out mean', 'exposed lift', 'CI', 'p-value'],
      rows: results.holdout.metrics,
      cells: (m) => [m.metric, fmt(m.mean), fmt(m.exposed?.lift), interval(m.exposed?.ci), fmt(m.exposed?.p_value)],
    })));
  }
  const ev = results.events || {};
  root.append(h('p', { 'data-testid': 'events' }, `Events: ${ev.counted ?? 0} counted, ${ev.covariate ?? 0} covariate, `
    + `${ev.held_before_exposure ?? 0} held before exposure, ${ev.dropped ?? 0} dropped, `
    + `${ev.multiple_exposures ?? 0} multiple exposures.`));

  // Decisions, newest first, with the reason they give.
  const newest = [...decisions].reverse();
  root.append(section('Decisions', 'decisions', newest.length ? pagedTable({
    testid: 'decisions-table', columns: ['at', 'action', 'arm', 'applied', 'evidence'],
    rows: newest,
    cells: (d) => [d.at, d.action, d.arm ? `${d.arm}${d.version != null ? ' v' + d.version : ''}` : '',
      d.applied ? 'yes' : 'no', [d.reason, d.note].filter(Boolean).join(' — ')],
  }) : h('p', {}, 'No analyses yet: POST ' + base + '/analyze runs one.')));
}

/** Each comparison's relative lift as a point with its interval, on one axis around zero (a forest plot). */
function forest(results) {
  const rows = [];
  for (const m of results.metrics) {
    for (const c of m.comparisons) {
      if (c.relative_ci && c.relative_lift != null) {
        rows.push({ label: `${m.metric} · ${c.arm}`, lift: c.relative_lift, lo: c.relative_ci[0], hi: c.relative_ci[1],
          good: c.significant && !c.breached, bad: !!c.breached });
      }
    }
  }
  if (!rows.length) {
    return '';
  }
  const width = 560;
  const left = 180;
  const rowH = 26;
  const lo = Math.min(0, ...rows.map((r) => r.lo));
  const hi = Math.max(0, ...rows.map((r) => r.hi));
  const span = hi - lo || 1;
  const x = (val) => left + ((val - lo) / span) * (width - left - 20);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * rowH + 24}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'relative lift with confidence interval per metric');
  svg.setAttribute('data-testid', 'forest-plot');
  svg.setAttribute('class', 'forest');
  svg.setAttribute('style', `width: 100%; max-width: ${width}px; height: auto`);
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([k, val]) => el.setAttribute(k, val));
    if (text != null) el.textContent = text;
    svg.append(el);
  };
  add('line', { x1: x(0), x2: x(0), y1: 0, y2: rows.length * rowH, stroke: '#888', 'stroke-dasharray': '3 3' });
  rows.forEach((r, i) => {
    const y = i * rowH + rowH / 2;
    const color = r.bad ? '#c0392b' : r.good ? '#1e8449' : '#2c3e50';
    add('text', { x: 4, y: y + 4, 'font-size': 12 }, r.label);
    add('line', { x1: x(r.lo), x2: x(r.hi), y1: y, y2: y, stroke: color, 'stroke-width': 2 });
    add('circle', { cx: x(r.lift), cy: y, r: 4, fill: color });
  });
  add('text', { x: x(lo), y: rows.length * rowH + 16, 'font-size': 11 }, pct(lo));
  add('text', { x: x(0) - 4, y: rows.length * rowH + 16, 'font-size': 11 }, '0');
  add('text', { x: x(hi) - 30, y: rows.length * rowH + 16, 'font-size': 11 }, pct(hi));
  return h('figure', {}, svg, h('figcaption', {}, 'Relative lift and its confidence interval'));
}

function stateBadge(state) {
  return h('span', { class: `badge state-${state}`, 'data-testid': 'state' }, state);
}

function interval(ci, f = fmt) {
  return ci && ci.length === 2 && ci[0] != null ? `[${f(ci[0])}, ${f(ci[1])}]` : '—';
}

function pct(x) {
  return x == null ? '—' : `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 2 : 1)}%`;
}

// ---- small DOM kit (kept in this file, see the console contract) ----
