// Deployments: each model's aliases, canaries and running experiments as a picture of its traffic, the serving
// status of each version that takes traffic, moving an alias (with an optional canary) and rolling one back.
import { seg } from '../api.js';

const PAGE = 25;
const COLORS = ['#1f5fbf', '#e07b00', '#2a9d5b', '#8e44ad', '#c0392b', '#16a2b8', '#7f8c8d'];

export async function render(root, params, ctx) {
  return params.model === undefined ? list(root, ctx) : model(root, params, ctx);
}

async function list(root, ctx) {
  const { ui, api } = ctx;
  const { h } = ui;
  const slot = h('div', { testid: 'deployments' });
  ui.fill(root, h('h1', {}, 'Deployments'), ui.muted('Each model\'s aliases: what /v2/models/{model}/infer and its named aliases serve.'), slot);
  const tokens = [null];
  async function draw(token) {
    const r = await api.get(`/api/2.0/mlflow/registered-models/search${api.query({ order_by: 'name ASC', max_results: PAGE, page_token: token })}`);
    const rows = r.registered_models || [];
    ui.fill(slot, ui.table({ testid: 'deployments-table', rows, rowTestid: (m) => `deployment-${m.name}`,
      empty: 'No models yet.',
      columns: [
        { label: 'Model', render: (m) => ui.link(`/console/deployments/${seg(m.name)}`, m.name) },
        { label: 'Aliases', render: (m) => ((m.aliases || []).length
          ? m.aliases.map((a) => h('span', { class: 'badge' }, `${a.alias} → v${a.version}`)) : ui.h('span', { class: 'muted' }, 'none')) },
        { label: '', render: (m) => ui.link(`/console/models/${seg(m.name)}`, 'Versions') },
      ] }),
    ui.pager({ hasPrev: tokens.length > 1, hasNext: !!r.next_page_token, label: `Page ${tokens.length}`,
      onPrev: () => { tokens.pop(); draw(tokens[tokens.length - 1]); },
      onNext: () => { tokens.push(r.next_page_token); draw(r.next_page_token); } }));
  }
  await draw(null);
}

/** The traffic of one alias: its version, its canary, and a running experiment's arms when one splits it. */
function shares(alias, experiments) {
  const exp = experiments.find((e) => e.alias === alias.alias && (e.state || '').toLowerCase() === 'running');
  if (exp && exp.arms?.length) {
    const total = exp.arms.reduce((s, a) => s + (a.weight ?? 0), 0) || 1;
    return { experiment: exp, parts: exp.arms.map((a) => ({ label: `${a.name}: v${a.version ?? alias.version}`, version: a.version ?? alias.version, share: (a.weight ?? 0) / total })) };
  }
  const w = alias.canary ? alias.canary.weight : 0;
  const parts = [{ label: `v${alias.version}`, version: alias.version, share: 1 - w }];
  if (alias.canary) parts.push({ label: `canary v${alias.canary.version}`, version: alias.canary.version, share: w });
  return { experiment: null, parts };
}

async function model(root, params, ctx) {
  const { ui, api, navigate } = ctx;
  const { h } = ui;
  const name = params.model;
  const [m, may] = await Promise.all([api.get(`/api/v1/models/${seg(name)}`), api.may(name)]);
  const canMove = may.has('alias'); // moving and rolling back an alias need alias on the model
  const aliasNames = Object.keys(m.aliases || {}).sort();
  const [aliases, experiments] = await Promise.all([
    Promise.all(aliasNames.map(async (a) => {
      const [detail, history] = await Promise.all([
        api.get(`/api/v1/models/${seg(name)}/aliases/${seg(a)}`),
        api.get(`/api/v1/models/${seg(name)}/aliases/${seg(a)}/history`).catch(() => ({ history: [] })),
      ]);
      return { ...detail, alias: a, history: history.history || [] };
    })),
    api.get(`/api/v1/experiments${api.query({ model: name })}`).then((r) => r.experiments || []).catch(() => []),
  ]);
  const traffic = aliases.map((a) => ({ alias: a, ...shares(a, experiments) }));
  const serving = [...new Set(traffic.flatMap((t) => t.parts.map((p) => p.version)))].sort((a, b) => a - b);
  const status = await Promise.all(serving.map(async (v) => {
    const version = await api.get(`/api/v1/models/${seg(name)}/versions/${v}`).catch(() => null);
    try {
      const r = await api.get(`/v2/models/${seg(name)}/versions/${v}/ready`);
      return { v, ready: r.ready !== false, version, message: '' };
    } catch (err) {
      return { v, ready: false, version, message: err.message };
    }
  }));

  const chartEl = h('div', { class: 'chart', testid: 'traffic-chart', role: 'img',
    'aria-label': traffic.map((t) => `${t.alias.alias}: ${t.parts.map((p) => `${p.label} ${Math.round(p.share * 100)}%`).join(', ')}`).join('; ') });
  chartEl.style.height = `${Math.max(140, 70 + 48 * traffic.length)}px`;
  const message = h('div', { testid: 'deploy-message' });
  ui.fill(root,
    h('div', { class: 'crumbs' }, ui.link('/console/deployments', 'Deployments'), ' / '),
    h('h1', {}, name),
    h('p', {}, ui.link(`/console/models/${seg(name)}`, 'Versions, reviews and audit')),
    message,
    h('h2', {}, 'Traffic'),
    traffic.length ? chartEl : ui.muted('No aliases: nothing is served under a name yet. Move an alias below.'),
    traffic.length ? ui.table({ testid: 'traffic-table', rows: traffic, rowTestid: (t) => `alias-${t.alias.alias}`,
      columns: [
        { label: 'Alias', render: (t) => h('strong', {}, t.alias.alias) },
        { label: 'Serves', render: (t) => t.parts.map((p) => `${p.label} (${Math.round(p.share * 1000) / 10} %)`).join(', ') },
        { label: 'Experiment', render: (t) => (t.experiment ? ui.link(`/console/experiments/${seg(t.experiment.id)}`, t.experiment.name || t.experiment.id) : '—') },
        { label: 'Changed', render: (t) => ui.when(t.alias.updated_at) },
        { label: '', render: (t) => !canMove ? '' : h('button', { type: 'button', class: 'danger', testid: `rollback-${t.alias.alias}`,
          onclick: () => rollback(ctx, name, t.alias.alias, message) }, 'Roll back') },
      ] }) : null,
    h('h2', {}, 'Endpoint status'),
    ui.table({ testid: 'status-table', rows: status, empty: 'No version takes traffic.', rowTestid: (s) => `status-v${s.v}`,
      columns: [
        { label: 'Version', render: (s) => ui.link(`/console/models/${seg(name)}/versions/${s.v}`, `v${s.v}`) },
        { label: 'Placement', render: (s) => placement(s.version) },
        { label: 'Review', render: (s) => ui.badge(s.version?.status || 'NONE') },
        { label: 'Serving', render: (s) => (s.ready ? ui.badge('READY', 'ok') : h('span', {}, ui.badge('NOT READY', 'bad'), ' ', s.message)) },
      ] }),
    h('h2', {}, 'Move an alias'), canMove ? moveForm(ctx, name, aliasNames, message)
      : h('p', { class: 'muted', testid: 'move-not-allowed' }, 'You may not move or roll back aliases of this model (no alias grant).'),
    h('h2', {}, 'History'),
    ui.table({ testid: 'history-table', rows: aliases.flatMap((a) => a.history.map((c) => ({ ...c, alias: a.alias }))),
      empty: 'No alias changes yet.',
      columns: [
        { label: 'When', render: (c) => ui.when(c.at) },
        { label: 'Alias', render: (c) => c.alias },
        { label: 'Change', render: (c) => `${target(c.from)} → ${target(c.to)}` },
        { label: 'Reason', render: (c) => c.reason || '—' },
      ] }));
  if (traffic.length) await drawTraffic(ui, chartEl, traffic);
}

function target(t) {
  if (t === null || t === undefined) return 'none';
  if (typeof t !== 'object') return `v${t}`;
  return `v${t.version}${t.canary ? ` + canary v${t.canary.version} @ ${t.canary.weight}` : ''}`;
}

function placement(v) {
  if (!v) return '—';
  const p = v.placement;
  if (!p || p.kind === 'function') return 'in the serving function';
  return `endpoint ${p.endpoint_name || ''} (${p.instance_type || ''} × ${p.instance_count ?? 1})`;
}

async function drawTraffic(ui, el, traffic) {
  const versions = [...new Set(traffic.flatMap((t) => t.parts.map((p) => p.version)))].sort((a, b) => a - b);
  await ui.chart(el, {
    tooltip: { trigger: 'item', valueFormatter: (v) => `${v} %` },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 36, bottom: 28, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %' } },
    yAxis: { type: 'category', data: traffic.map((t) => t.alias.alias + (t.experiment ? ' (experiment)' : '')), inverse: true },
    series: versions.map((v, i) => ({
      name: `v${v}`, type: 'bar', stack: 'traffic', color: COLORS[i % COLORS.length],
      label: { show: true, formatter: (p) => (p.value > 0 ? `v${v} ${p.value} %` : '') },
      data: traffic.map((t) => Math.round(t.parts.filter((p) => p.version === v).reduce((s, p) => s + p.share, 0) * 1000) / 10),
    })),
  });
}

function moveForm(ctx, name, aliasNames, message) {
  const { ui, api, navigate } = ctx;
  const { h } = ui;
  const alias = h('input', { type: 'text', name: 'alias', required: true, list: 'alias-names', value: aliasNames[0] || 'production', testid: 'move-alias' });
  const version = h('input', { type: 'number', name: 'version', min: 1, required: true, testid: 'move-version' });
  const canary = h('input', { type: 'number', name: 'canary', min: 1, testid: 'move-canary' });
  const weight = h('input', { type: 'number', name: 'weight', min: 0, max: 1, step: 0.01, testid: 'move-weight', placeholder: '0.1' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'move-submit' }, 'Move');
  return h('form', { testid: 'move-form', onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = { version: Number(version.value) };
    if (canary.value) body.canary = { version: Number(canary.value), weight: Number(weight.value || 0) };
    try {
      await api.put(`/api/v1/models/${seg(name)}/aliases/${seg(alias.value.trim())}`, body);
      await navigate(location.pathname, { replace: true });
    } catch (err) {
      ui.say(message, 'error', err.message);
      submit.disabled = false;
      message.scrollIntoView({ block: 'nearest' });
    }
  } },
  h('datalist', { id: 'alias-names' }, aliasNames.map((a) => h('option', { value: a }))),
  h('div', { class: 'form-grid' },
    h('label', {}, 'Alias', alias), h('label', {}, 'Version', version),
    h('label', {}, 'Canary version (optional)', canary), h('label', {}, 'Canary weight (0–1)', weight)),
  h('div', { class: 'toolbar' }, submit));
}

async function rollback(ctx, name, alias, message) {
  const { ui, api, navigate } = ctx;
  const ok = await ui.confirm(`Roll ${alias} of ${name} back to the target it had before its last change?`, { action: 'Roll back', danger: true });
  if (!ok) return;
  try {
    await api.post(`/api/v1/models/${seg(name)}/aliases/${seg(alias)}/rollback`, {});
    await navigate(location.pathname, { replace: true });
  } catch (err) {
    ui.say(message, 'error', err.message);
  }
}
