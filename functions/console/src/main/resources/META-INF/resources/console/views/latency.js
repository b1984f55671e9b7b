// Latency and throughput per model version, from the platform's metrics: the server's prediction timer
// (pier_predictions_seconds at /q/metrics: requests by version, way in and status, p50/p95/p99), sampled every few
// seconds while the page is open for throughput; and, where a monitor watches the version, the latency and requests
// per second of each monitored window (…/monitors/{id}/runs/{run} `latency`).

import { h, enc, link, section, table, pagedTable, shortTime, lineChart } from './parts.js';

const PAGE = 20;
const POLL_MS = 3000;
const POINTS = 40; // samples kept on the live charts

export async function render(root, params, ctx) {
  if (params.model) {
    return version(root, params, ctx);
  }
  return list(root, ctx);
}

async function list(root, ctx) {
  const samples = await prometheus(ctx);
  const versions = byVersion(samples);
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, 'Latency and throughput'),
    h('p', { class: 'hint' }, 'Prediction requests this server answered since it started (GET /q/metrics), their '
      + 'quantiles over the last two minutes, and requests per second over the last few seconds while this page is '
      + 'open.'));
  if (!versions.length) {
    root.append(h('p', { 'data-testid': 'latency-empty' }, 'No predictions answered yet.'));
    return;
  }
  const rate = {};
  const tbl = () => pagedTable({
    testid: 'latency-table',
    columns: ['model', 'version', 'requests', 'errors', 'req/s (now)', 'mean', 'p50 (2 min)', 'p95 (2 min)',
      'p99 (2 min)'],
    rows: versions,
    cells: (v) => [v.model, link(ctx, `/console/latency/${enc(v.model)}/${enc(v.version)}`, 'v' + v.version),
      String(v.count), String(v.errors), rate[v.key] == null ? '…' : rate[v.key].toFixed(2), ms(v.mean),
      ms(v.q['0.5']), ms(v.q['0.95']), ms(v.q['0.99'])],
  });
  const holder = h('div', {}, tbl());
  root.append(holder);
  let last = { at: performance.now(), versions };
  poll(root, async () => {
    const now = byVersion(await prometheus(ctx));
    const at = performance.now();
    for (const v of now) {
      const before = last.versions.find((x) => x.key === v.key);
      rate[v.key] = ((v.count - (before ? before.count : 0)) / ((at - last.at) / 1000));
    }
    versions.splice(0, versions.length, ...now);
    last = { at, versions: now };
    holder.replaceChildren(tbl());
  });
}

async function version(root, params, ctx) {
  const { model, version: v } = params;
  await ctx.api.get(`/api/v1/models/${enc(model)}/versions/${enc(v)}`); // 404 → the not-found page
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, `Latency · ${model} v${v}`));
  let samples = [];
  try {
    samples = await prometheus(ctx);
  } catch (e) {
    if (e.status !== 403) throw e;
    ctx.ui.error(root, e, { replace: false }); // no 'metrics' permission: the monitored windows below still show
  }
  const rows = byWay(samples, model, v);
  root.append(section('Requests by way in and status', 'latency-breakdown', rows.length ? table({
    testid: 'latency-by-way',
    columns: ['way in', 'status', 'requests', 'mean', 'p50 (2 min)', 'p95 (2 min)', 'p99 (2 min)', 'max (2 min)'],
    rows,
    cells: (r) => [r.way, r.status, String(r.count), ms(r.mean), ms(r.q['0.5']), ms(r.q['0.95']), ms(r.q['0.99']),
      ms(r.max)],
  }) : h('p', { 'data-testid': 'latency-none' }, `This server has answered no prediction of ${model} v${v} yet.`)));

  // Live throughput and p95, sampled while the page is open.
  const live = h('div', { class: 'chart', 'data-testid': 'live-chart' });
  root.append(section('Now (sampled every 3 s)', 'live', live));
  const points = { x: [new Date().toISOString()], rps: [null], p95: [p95Of(rows)] };
  let last = { at: performance.now(), count: total(rows) };
  const option = () => ({ x: points.x, yName: 'ms', series: [{ name: 'p95 ms (2 min)', values: points.p95 },
    { name: 'requests/s', values: points.rps, axis: 1 }] });
  const drawn = await lineChart(ctx, live, option());
  poll(root, async () => {
    const now = byWay(await prometheus(ctx), model, v);
    const at = performance.now();
    const count = total(now);
    points.x.push(new Date().toISOString());
    points.rps.push(Number(((count - last.count) / ((at - last.at) / 1000)).toFixed(3)));
    points.p95.push(p95Of(now));
    for (const k of Object.keys(points)) points[k] = points[k].slice(-POINTS);
    last = { at, count };
    const o = option();
    drawn.setOption({ xAxis: { data: o.x.map(shortTime) }, series: o.series.map((s) => ({ data: s.values })) });
  });

  // Per monitored window, from the version's monitors' runs.
  const { monitors } = await ctx.api.get('/api/v1/monitors').catch(() => ({ monitors: [] }));
  const mine = (monitors || []).filter((m) => m.model === model && String(m.version) === String(v));
  const windows = [];
  for (const m of mine) {
    const base = `/api/v1/monitors/${enc(m.id)}`;
    const { runs } = await ctx.api.get(`${base}/runs`);
    const full = await Promise.all(runs.slice(0, PAGE).map((r) => ctx.api.get(`${base}/runs/${enc(r.run_id)}`)));
    for (const r of full) {
      if (r.latency) windows.push({ monitor: m.id, ...r.latency, window_start: r.window_start, window_end: r.window_end });
    }
  }
  windows.sort((a, b) => a.window_end.localeCompare(b.window_end));
  if (!windows.length) {
    root.append(section('Per monitored window', 'windows', h('p', {}, mine.length
      ? 'The monitor has no exact run with latency yet.'
      : 'No monitor watches this version: a monitor run reports latency per window.')));
    return;
  }
  const chartEl = h('div', { class: 'chart', 'data-testid': 'window-chart' });
  root.append(section('Per monitored window', 'windows', chartEl, pagedTable({
    testid: 'windows-table', columns: ['window end', 'requests', 'req/s', 'p50', 'p95', 'max'],
    rows: [...windows].reverse(),
    cells: (w) => [w.window_end, String(w.requests), w.requests_per_second.toFixed(3), msOf(w.p50_ms), msOf(w.p95_ms),
      msOf(w.max_ms)],
  })));
  await lineChart(ctx, chartEl, {
    x: windows.map((w) => w.window_end),
    yName: 'ms',
    series: [{ name: 'p50 ms', values: windows.map((w) => w.p50_ms) },
      { name: 'p95 ms', values: windows.map((w) => w.p95_ms) },
      { name: 'requests/s', values: windows.map((w) => w.requests_per_second), axis: 1 }],
  });
}

/** Calls `tick` every POLL_MS while `root` is on the page. */
function poll(root, tick) {
  const timer = setInterval(async () => {
    if (!root.isConnected) {
      clearInterval(timer);
      return;
    }
    try {
      await tick();
    } catch (e) {
      // a missed sample; the next one tries again
    }
  }, POLL_MS);
}

// ---- pier_predictions_seconds from the Prometheus text exposition ----

async function prometheus(ctx) {
  let body;
  try {
    body = String(await ctx.api.get('/q/metrics', { Accept: 'text/plain' }));
  } catch (e) {
    if (e.status === 404) return []; // no metrics endpoint (a Lambda): nothing to show
    throw e; // 401 → the shell's sign-in page; 403 → the API's message (the key lacks 'metrics')
  }
  const out = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith('pier_predictions_seconds')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2];
    }
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

/** One row per (way in, status) of a version: count, mean, quantiles (seconds), max. */
function byWay(samples, model, version) {
  const rows = new Map();
  for (const s of samples) {
    const l = s.labels;
    if (l.model !== model || l.version !== String(version)) continue;
    const way = l.way_in || l.way || 'none';
    const key = `${way}|${l.status}`;
    const r = rows.get(key) || { way, status: l.status || '', count: 0, sum: 0, max: null, q: {} };
    if (s.name === 'pier_predictions_seconds_count') r.count += s.value;
    else if (s.name === 'pier_predictions_seconds_sum') r.sum += s.value;
    else if (s.name === 'pier_predictions_seconds_max') r.max = s.value;
    else if (s.name === 'pier_predictions_seconds' && l.quantile) r.q[l.quantile] = s.value;
    rows.set(key, r);
  }
  return [...rows.values()].map((r) => ({ ...r, mean: r.count ? r.sum / r.count : null }))
    .sort((a, b) => b.count - a.count);
}

/** One row per model version: requests, errors (non-2xx), mean, and the quantiles of its busiest 2xx series. */
function byVersion(samples) {
  const versions = new Map();
  for (const s of samples) {
    const l = s.labels;
    if (!l.model || !l.version || l.version === 'none') continue;
    const key = `${l.model}|${l.version}`;
    if (!versions.has(key)) versions.set(key, { key, model: l.model, version: l.version });
  }
  return [...versions.values()].map((v) => {
    const rows = byWay(samples, v.model, v.version);
    const count = total(rows);
    const ok = rows.filter((r) => r.status.startsWith('2'));
    const busiest = ok[0] || rows[0];
    return { ...v, count, errors: count - total(ok), mean: count ? rows.reduce((a, r) => a + r.sum, 0) / count : null,
      q: busiest ? busiest.q : {} };
  }).sort((a, b) => a.model.localeCompare(b.model) || Number(b.version) - Number(a.version));
}

/** The highest recent p95 (ms) of the version's 2xx series, null when none answered in the last two minutes. */
function p95Of(rows) {
  const values = rows.filter((r) => r.status.startsWith('2')).map((r) => r.q['0.95']).filter((q) => q > 0);
  return values.length ? Number((Math.max(...values) * 1000).toFixed(3)) : null;
}

function total(rows) {
  return rows.reduce((a, r) => a + r.count, 0);
}

function ms(seconds) {
  // The timer's quantiles and max cover the last two minutes (Micrometer's default expiry): 0 means no request then.
  return seconds == null || seconds === 0 ? '—' : `${(seconds * 1000).toFixed(2)} ms`;
}

function msOf(x) {
  return x == null ? '—' : `${x.toFixed(2)} ms`;
}

// ---- small DOM kit (kept in this file, see the console contract) ----
