// Monitoring: monitors, and per model version the drift of each column over time, the distribution overlay of a
// column (reference against window per bin), performance over time, the worst slices, alerts and runs.
// Data: /api/v1/monitors, …/{id}/runs, …/{id}/drift, …/runs/{run}, …/runs/{run}/distributions/{column},
// …/runs/{run}/report.html (linked), …/{id}/alerts.

import { h, enc, fmt, link, section, table, pagedTable, serverTable, lineChart } from './parts.js';

const PAGE = 20; // runs per page (paged by the server); the newest page's runs are read in full for the charts

export async function render(root, params, ctx) {
  if (params.model) {
    return version(root, params, ctx);
  }
  return list(root, ctx);
}

async function list(root, ctx) {
  const { monitors } = await ctx.api.get('/api/v1/monitors');
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, 'Monitoring'));
  if (!monitors.length) {
    root.append(h('p', { 'data-testid': 'monitors-empty' },
      'No monitors yet: POST /api/v1/monitors creates one (see the README, Monitoring).'));
    return;
  }
  const rows = [...monitors].sort((a, b) => (b.created_at || '').localeCompare(a.created_at || ''));
  root.append(pagedTable({
    testid: 'monitors-table',
    columns: ['model', 'version', 'task', 'window', 'schedule', 'created'],
    rows,
    cells: (m) => [
      link(ctx, `/console/monitoring/${enc(m.model)}/${m.version}`, m.model),
      String(m.version), m.task || '—', m.window || '', m.schedule || 'on demand', m.created_at || ''],
  }));
}

async function version(root, params, ctx) {
  const { model, version: v } = params;
  // An unknown model or version is the registry's own 404 (the not-found page).
  await ctx.api.get(`/api/v1/models/${enc(model)}/versions/${enc(v)}`);
  const { monitors } = await ctx.api.get('/api/v1/monitors');
  const mine = monitors.filter((m) => m.model === model && String(m.version) === String(v));
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, `Monitoring · ${model} v${v}`));
  if (!mine.length) {
    root.append(h('p', { 'data-testid': 'monitor-none' }, `No monitor watches ${model} version ${v}.`));
    return;
  }
  const chosen = mine.find((m) => m.id === params.query?.get('monitor')) || mine[0];
  if (mine.length > 1) {
    const select = h('select', { 'data-testid': 'monitor-select', 'aria-label': 'monitor' },
      ...mine.map((m) => h('option', { value: m.id, ...(m === chosen ? { selected: '' } : {}) },
        `${m.id} (${m.window}${m.task ? ', ' + m.task : ''})`)));
    select.addEventListener('change', () =>
      ctx.navigate(`/console/monitoring/${enc(model)}/${enc(v)}?monitor=${enc(select.value)}`));
    root.append(h('label', {}, 'Monitor ', select));
  }
  root.append(h('p', { 'data-testid': 'monitor-summary' },
    `Monitor ${chosen.id}: window ${chosen.window}, ${chosen.schedule || 'on demand'}`,
    chosen.task ? `, task ${chosen.task} on '${chosen.prediction}'` : '',
    chosen.reference ? `, reference ${chosen.reference.rows} rows (${chosen.reference.source})` : ''));

  const base = `/api/v1/monitors/${enc(chosen.id)}`;
  const [{ runs, next_page_token: more }, { alerts }] = await Promise.all([
    ctx.api.get(`${base}/runs?max_results=${PAGE}`), ctx.api.get(`${base}/alerts`)]);
  if (!runs.length) {
    root.append(h('p', { 'data-testid': 'runs-empty' }, 'No runs yet: POST ' + base + '/runs runs it now.'));
    return;
  }
  // The charts use the newest page of runs, read in full, oldest first.
  const recent = await Promise.all(runs.map((r) => ctx.api.get(`${base}/runs/${enc(r.run_id)}`)));
  const series = [...recent].reverse();
  const latest = recent[0];

  const selected = params.query?.get('column');
  const driftColumns = Object.keys(latest.data_drift?.columns || {});
  const drifted = driftColumns.filter((c) => latest.data_drift.columns[c].drifted);
  const column = driftColumns.includes(selected) ? selected : (drifted[0] || driftColumns[0]);

  // Drift per column, latest run.
  root.append(section('Drift by column (latest run)', 'drift-section',
    h('p', {}, `Share drifted ${fmt(latest.data_drift?.share_drifted)}; `,
      latest.data_drift?.dataset_drift ? h('strong', { class: 'bad' }, 'dataset drift') : 'no dataset drift',
      ` · window ${latest.window_start} → ${latest.window_end}, ${latest.rows} rows (${latest.mode})`),
    table({
      testid: 'drift-table',
      columns: ['column', 'method', 'statistic', 'p-value', 'threshold', 'drifted'],
      rows: driftColumns.map((c) => ({ name: c, ...latest.data_drift.columns[c] })),
      cells: (c) => [
        link(ctx, `/console/monitoring/${enc(model)}/${enc(v)}?monitor=${enc(chosen.id)}&column=${enc(c.name)}`, c.name),
        c.method, fmt(c.statistic), fmt(c.p_value), fmt(c.threshold),
        c.drifted ? h('span', { class: 'bad' }, 'drifted') : 'no'],
    })));

  // Drift over time, one line per column measured the same way as the chosen one (p-values of tests, or distances),
  // the chosen column's threshold dashed.
  const overTime = h('div', { class: 'chart', 'data-testid': 'drift-chart' });
  root.append(section(`Drift over time · ${column}`, 'drift-over-time', overTime));
  // the drift history route: per run, each column's drift (the same newest runs as the charts below)
  const points = (await ctx.api.get(`${base}/drift?max_results=${PAGE}`)).points.reverse();
  const usesP = points.some((p) => p.columns?.[column]?.p_value != null);
  const alike = driftColumns.filter((c) => (latest.data_drift.columns[c].p_value != null) === usesP);
  await lineChart(ctx, overTime, {
    log: usesP, // p-values span orders of magnitude
    yName: usesP ? 'p-value' : 'statistic',
    x: points.map((p) => p.window_end),
    series: [...alike.map((c) => ({
      name: c,
      width: c === column ? 3 : 1,
      values: points.map((p) => {
        const d = p.columns?.[c];
        return d ? (usesP ? d.p_value : d.statistic) : null;
      }),
    })), {
      name: `threshold (${column})`,
      dash: true,
      values: points.map((p) => p.columns?.[column]?.threshold ?? null),
    }],
  });

  // Distribution overlay of the chosen column: reference against window per bin, as the API answers them.
  const overlay = h('div', { class: 'chart', 'data-testid': 'distribution-chart' });
  const overlaySection = section(`Distribution · ${column} (reference vs window)`, 'distribution', overlay);
  root.append(overlaySection);
  let bins = [];
  let why = `The latest run has no values of ${column} to bin.`;
  try {
    bins = (await ctx.api.get(`${base}/runs/${enc(latest.run_id)}/distributions/${enc(column)}`)).bins;
  } catch (err) {
    if (err.status !== 409 && err.status !== 404) throw err;
    why = err.message; // a run made from profiles keeps no window values
  }
  if (bins.length) {
    overlay.dataset.bins = String(bins.length);
    await ctx.ui.chart(overlay, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 36, bottom: 52 },
      // the column's name under the axis (at its end it ran past the chart's right edge and was cut off)
      xAxis: { type: 'category', data: bins.map((b) => b.bin), name: column, nameLocation: 'middle', nameGap: 30 },
      yAxis: { type: 'value', name: 'share of rows' },
      series: [{ name: 'reference', type: 'bar', data: bins.map((b) => b.reference) },
        { name: 'window', type: 'bar', data: bins.map((b) => b.window) }],
    });
  } else {
    overlay.replaceWith(h('p', { 'data-testid': 'distribution-none' }, why));
  }

  // Performance over time.
  const metrics = performanceSeries(series);
  if (metrics.names.length) {
    const perf = h('div', { class: 'chart', 'data-testid': 'performance-chart' });
    root.append(section('Performance over time', 'performance', perf, table({
      testid: 'performance-table', columns: ['metric', 'latest'],
      rows: metrics.names, cells: (n) => [n, fmt(metrics.values[n][metrics.values[n].length - 1])],
    })));
    await lineChart(ctx, perf, {
      x: series.map((r) => r.window_end),
      series: metrics.names.map((n) => ({ name: n, values: metrics.values[n] })),
    });
  } else {
    root.append(section('Performance over time', 'performance',
      h('p', {}, 'No labelled rows yet: send ground truth to POST /api/v1/feedback.')));
  }

  // Slices with the worst error (latest run).
  const slices = latest.slices || [];
  root.append(section('Worst slices (latest run)', 'slices', slices.length ? table({
    testid: 'slices-table', columns: ['column', 'slice', 'rows', 'metric', 'value', '95% interval'],
    rows: slices,
    cells: (s) => [s.column, s.slice, String(s.rows), s.metric, fmt(s.value), `[${fmt(s.low)}, ${fmt(s.high)}]`],
  }) : h('p', {}, 'No slices: they need a task and at least 10 labelled rows per slice.')));

  // Alerts.
  root.append(section('Alerts', 'alerts', alerts.length ? pagedTable({
    testid: 'alerts-table', columns: ['window end', 'check', 'column', 'value', 'threshold', 'message'],
    rows: alerts,
    cells: (a) => [a.window_end, a.check, a.column || '', fmt(a.value), a.threshold, a.message],
  }) : h('p', { 'data-testid': 'alerts-empty' }, 'No alerts.')));

  // Runs, every one, with its report: a page at a time from the server (the first page is the one read above).
  root.append(section('Runs', 'runs', await serverTable({
    testid: 'runs-table',
    columns: ['window end', 'rows', 'mode', 'share drifted', 'dataset drift', 'alerts', 'report'],
    load: async (token) => (token ? (({ runs: rows, next_page_token: next }) => ({ rows, next }))(
      await ctx.api.get(`${base}/runs?max_results=${PAGE}&page_token=${enc(token)}`)) : { rows: runs, next: more }),
    cells: (r) => [r.window_end, String(r.rows), r.mode, fmt(r.share_drifted), r.dataset_drift ? 'yes' : 'no',
      String(r.alerts), reportLink(ctx, `${base}/runs/${enc(r.run_id)}/report.html`)],
  })));
}

/**
 * A link to a run's HTML report. It is fetched with the sign-in credential (a plain link would carry none when
 * authentication is on) and opened in a new tab; the report needs nothing from the network.
 */
function reportLink(ctx, path) {
  const a = h('a', { href: path, 'data-testid': 'report-link' }, 'report');
  a.addEventListener('click', async (e) => {
    e.preventDefault();
    const tab = window.open('', '_blank');
    try {
      const html = await text(ctx, path);
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      if (tab) tab.location = url; else location.assign(url); // a blocked pop-up: open it here
    } catch (err) {
      tab?.close();
      ctx.ui.error(a.closest('section'), err, { replace: false });
    }
  });
  return a;
}

/** The numeric performance figures of each run, by name (binary.accuracy …), aligned with the runs. */
function performanceSeries(runs) {
  const values = {};
  runs.forEach((r, i) => {
    const p = r.performance || {};
    for (const group of ['binary', 'multiclass', 'regression', 'estimated']) {
      for (const [k, val] of Object.entries(p[group] || {})) {
        if (typeof val === 'number' && k !== 'count' && k !== 'rows' && k !== 'threshold') {
          const name = `${group === 'estimated' ? 'estimated ' : ''}${k}`;
          (values[name] ||= new Array(runs.length).fill(null))[i] = val;
        }
      }
    }
  });
  return { names: Object.keys(values), values };
}

// ---- small DOM kit (kept in this file, see the console contract) ----

async function text(ctx, path) {
  return String(await ctx.api.get(path, { Accept: 'text/html' }));
}