// Features, the discovery portal: search feature views (text, tag, owner, entity); per view its schema, source,
// services, every version with what changed, the registered model versions that use it, and its freshness and
// statistics from this server's metrics (/q/metrics: freshness, watermark lag, lookups by status, lookup latency,
// materialized rows and null shares). Data: /api/v1/feature-views[/{name}], /q/metrics.

import { h, enc, link, section, table, pagedTable, serverTable, pages, fact } from './parts.js';

export async function render(root, params, ctx) {
  if (params.view) {
    return view(root, params, ctx);
  }
  return list(root, params, ctx);
}

async function list(root, params, ctx) {
  const filters = {};
  for (const k of ['q', 'tag', 'owner', 'entity']) {
    const val = params.query?.get(k);
    if (val) filters[k] = val;
  }
  const search = new URLSearchParams(filters);
  const listing = pages(ctx, '/api/v1/feature-views', filters, 'feature_views'); // paged by the server
  const firstPage = await listing.first();
  listing.withFirst(firstPage);
  const views = firstPage.feature_views;
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, 'Features'));
  const inputs = {
    q: h('input', { type: 'search', name: 'q', value: filters.q || '', placeholder: 'search names, descriptions, features',
      'aria-label': 'search', 'data-testid': 'features-search' }),
    tag: h('input', { type: 'text', name: 'tag', value: filters.tag || '', placeholder: 'tag (team:ops)', 'aria-label': 'tag' }),
    owner: h('input', { type: 'text', name: 'owner', value: filters.owner || '', placeholder: 'owner', 'aria-label': 'owner' }),
    entity: h('input', { type: 'text', name: 'entity', value: filters.entity || '', placeholder: 'entity',
      'aria-label': 'entity' }),
  };
  const form = h('form', { class: 'toolbar', role: 'search' }, ...Object.values(inputs),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, input] of Object.entries(inputs)) {
      if (input.value) next.set(k, input.value);
    }
    ctx.navigate('/console/features' + (next.size ? '?' + next : ''));
  });
  root.append(form);
  if (!views.length) {
    root.append(h('p', { 'data-testid': 'features-empty' }, search.size ? 'No feature view matches.'
      : 'No feature views yet: POST /api/v1/features/apply (or ./pier features apply FILE) defines them.'));
    return;
  }
  const metrics = await prometheus(ctx);
  root.append(await serverTable({
    testid: 'features-table',
    columns: ['view', 'description', 'entities', 'features', 'owner', 'tags', 'ttl', 'online', 'version', 'services',
      'freshness'],
    load: listing.load,
    cells: (v) => [link(ctx, `/console/features/${enc(v.name)}`, v.name), v.description || '', v.entities.join(', '),
      v.schema.map((f) => f.name).join(', '), v.owner || '', tags(v.tags), v.ttl || '—', v.online ? 'yes' : 'no',
      String(v.version ?? ''), (v.feature_services || []).join(', '), age(first(metrics, 'pier_features_freshness_seconds',
        { view: v.name }))],
  }));
}

async function view(root, params, ctx) {
  const detail = await ctx.api.get(`/api/v1/feature-views/${enc(params.view)}`); // 404 → the not-found page
  const v = detail.feature_view;
  const metrics = await prometheus(ctx);
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, `Feature view · ${v.name}`),
    h('p', { 'data-testid': 'view-summary' }, v.description || '', ` · version ${v.version}`,
      ` · entities ${v.entities.join(', ')} (join keys ${v.join_keys.join(', ')}) · ttl ${v.ttl || 'none'}`,
      ` · ${v.online ? 'online' : 'offline only'} · owner ${v.owner || '—'}`),
    h('p', {}, `Source ${v.source}${v.offline_path ? ' (' + v.offline_path + ')' : ''} · tags ${tags(v.tags) || '—'}`));

  const rows = sum(metrics, 'pier_features_materialized_rows_total', { view: v.name });
  root.append(section('Schema', 'schema', table({
    testid: 'schema-table', columns: ['feature', 'type', 'null share (materialized)'],
    rows: v.schema,
    cells: (f) => {
      const nulls = sum(metrics, 'pier_features_materialized_nulls_total', { view: v.name, feature: f.name });
      return [f.name, f.dtype, rows ? pct((nulls || 0) / rows) : '—'];
    },
  })));

  // Freshness and statistics, as this server's metrics have counted them since it started.
  const byStatus = {};
  for (const s of metrics.filter((m) => m.name === 'pier_features_lookup_values_total' && m.labels.view === v.name)) {
    byStatus[s.labels.status] = (byStatus[s.labels.status] || 0) + s.value;
  }
  const served = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const lookups = sum(metrics, 'pier_features_lookup_seconds_count', { view: v.name, store: 'online' });
  const seconds = sum(metrics, 'pier_features_lookup_seconds_sum', { view: v.name, store: 'online' });
  root.append(section('Freshness and statistics', 'freshness', h('dl', { class: 'kv' },
    fact('freshness (now − newest event served)', age(first(metrics, 'pier_features_freshness_seconds', { view: v.name })),
      'freshness-value'),
    fact('materialization watermark lag', age(first(metrics, 'pier_features_watermark_lag_seconds', { view: v.name }))),
    fact('rows materialized', rows == null ? '—' : String(rows), 'materialized-rows'),
    fact('online lookups', lookups == null ? '0' : String(lookups), 'lookups'),
    fact('mean lookup latency', lookups ? `${(seconds / lookups * 1000).toFixed(2)} ms` : '—'),
    fact('p95 lookup latency', ms(quantile(metrics, 'pier_features_lookup_seconds_bucket', { view: v.name, store: 'online' },
      0.95))),
    fact('values served', served ? Object.entries(byStatus).map(([k, n]) => `${k} ${n} (${pct(n / served)})`).join(', ')
      : '—', 'values-served')),
  h('p', { class: 'hint' }, 'Counted by this server since it started (GET /q/metrics).')));

  root.append(section('Used by', 'used-by', detail.model_versions.length ? h('ul', { 'data-testid': 'model-versions' },
    ...detail.model_versions.map((mv) => {
      const [model, version] = mv.split('/');
      return h('li', {}, link(ctx, `/console/models/${enc(model)}/versions/${enc(version)}`, mv));
    })) : h('p', { 'data-testid': 'model-versions-none' }, 'No registered model version uses this view.'),
  h('p', {}, 'Feature services: ', (v.feature_services || []).join(', ') || 'none')));

  root.append(section('Versions', 'versions', pagedTable({
    testid: 'versions-table', columns: ['version', 'applied', 'action', 'changes'],
    rows: [...detail.versions].sort((a, b) => b.version - a.version),
    cells: (ver) => [String(ver.version), ver.applied_at || '', ver.action || '', (ver.differences || []).join('; ')],
  })));
}

// ---- Prometheus text exposition (the server's /q/metrics) ----

/** Every sample of /q/metrics as {name, labels, value}; none when the endpoint is not there (a Lambda). */
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
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    }
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

function matches(sample, name, labels) {
  return sample.name === name && Object.entries(labels).every(([k, val]) => sample.labels[k] === val);
}

function first(metrics, name, labels) {
  const s = metrics.find((x) => matches(x, name, labels));
  return s && Number.isFinite(s.value) ? s.value : null;
}

function sum(metrics, name, labels) {
  const found = metrics.filter((x) => matches(x, name, labels));
  return found.length ? found.reduce((a, s) => a + s.value, 0) : null;
}

/** histogram_quantile over cumulative buckets (le). */
function quantile(metrics, name, labels, q) {
  const buckets = metrics.filter((x) => matches(x, name, labels))
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), n: s.value }))
    .sort((a, b) => a.le - b.le);
  if (!buckets.length) return null;
  const total = buckets[buckets.length - 1].n;
  if (!total) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const b of buckets) {
    if (b.n >= rank) {
      if (b.le === Infinity) return prevLe;
      return prevLe + (b.le - prevLe) * ((rank - prevN) / Math.max(1e-12, b.n - prevN));
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return null;
}

function age(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return '—';
  if (seconds < 0) return `${age(-seconds)} ahead`;
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function ms(seconds) {
  return seconds == null ? '—' : `${(seconds * 1000).toFixed(2)} ms`;
}

function pct(x) {
  return x == null ? '—' : `${(x * 100).toFixed(1)}%`;
}

function tags(t) {
  return Object.entries(t || {}).map(([k, val]) => `${k}:${val}`).join(', ');
}

// ---- small DOM kit (kept in this file, see the console contract) ----
