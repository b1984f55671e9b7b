// Models: the models table, version search (MLflow filter syntax), a model's versions, and a version's page.
// Every table is paged and sorted by the server (page tokens, order_by); nothing fetches a whole listing.
import { seg } from '../api.js';

const PAGE = 25;

export async function render(root, params, ctx) {
  if (params.version !== undefined) return version(root, params, ctx);
  if (params.model !== undefined) return model(root, params, ctx);
  return list(root, params, ctx);
}

/** Paged, sorted table state: `load(token)` answers {rows, next}; tokens of earlier pages are kept for "Previous". */
function pagedTable(ctx, slot, { columns, sort, load, testid, empty, onSortChange, rowTestid }) {
  const { ui } = ctx;
  const tokens = [null];
  let state = { sort };
  async function draw(token) {
    let page;
    try {
      page = await load(token, state.sort);
    } catch (err) {
      if (err.status === 404 || err.status === 401) throw err;
      ui.error(slot, err);
      return;
    }
    const at = tokens.length;
    ui.fill(slot,
      ui.table({ columns: typeof columns === 'function' ? columns(page.rows) : columns, rows: page.rows, sort: state.sort, testid, empty, rowTestid,
        onSort: (key, desc) => { state.sort = { key, desc }; tokens.length = 1; onSortChange?.(state.sort); draw(null); } }),
      ui.pager({ hasPrev: at > 1, hasNext: !!page.next, label: `Page ${at}`,
        onPrev: () => { tokens.pop(); draw(tokens[tokens.length - 1]); },
        onNext: () => { tokens.push(page.next); draw(page.next); } }));
    slot.dataset.page = String(at);
  }
  return draw(null);
}

const orderBy = (sort) => (sort ? `${sort.key} ${sort.desc ? 'DESC' : 'ASC'}` : undefined);

function parseSort(s) {
  if (!s) return null;
  const [key, dir] = s.split(/\s+/);
  return { key, desc: /^desc$/i.test(dir || '') };
}

async function list(root, params, ctx) {
  const { ui, api, navigate } = ctx;
  const { h } = ui;
  const filter = params.query.get('filter') || '';
  const sortParam = parseSort(params.query.get('order_by'));
  const size = Math.min(Math.max(Number(params.query.get('max_results')) || PAGE, 1), 1000);
  const input = h('input', { type: 'search', name: 'filter', value: filter, testid: 'search', 'aria-label': 'Search versions',
    placeholder: "MLflow filter, e.g. tags.team = 'fraud' AND metrics.auc > 0.9, or name LIKE 'churn%'" });
  const form = h('form', { class: 'toolbar', role: 'search', testid: 'search-form',
    onsubmit: (e) => { e.preventDefault(); navigate(`/console/models${api.query({ filter: input.value.trim(), max_results: params.query.get('max_results') })}`); } },
    input, h('button', { type: 'submit', class: 'primary' }, 'Search'),
    filter ? ui.link('/console/models', 'Clear') : null);
  const slot = h('div', { testid: filter ? 'versions' : 'models' });
  ui.fill(root, h('h1', {}, filter ? 'Search versions' : 'Models'), form,
    h('p', { class: 'muted' }, 'Filter syntax: name, version_number, framework, status, current_stage, alias, run_id, source, '
      + 'creation_timestamp, tags.<key>, metrics.<key>, params.<key>; =, !=, <, >, LIKE, ILIKE; AND.'), slot);
  const keepOrder = (sort) => history.replaceState(null, '',
    `/console/models${api.query({ filter, order_by: orderBy(sort), max_results: params.query.get('max_results') })}`);
  if (filter) {
    await pagedTable(ctx, slot, {
      testid: 'versions-table', empty: 'No version matches.', sort: sortParam, onSortChange: keepOrder,
      columns: (rows) => versionColumns(ctx, rows, true),
      load: async (token, sort) => {
        const r = await api.get(`/api/v1/model-versions/search${api.query({ filter, order_by: orderBy(sort), max_results: size, page_token: token })}`);
        return { rows: r.versions || [], next: r.next_page_token };
      },
    });
    return;
  }
  await pagedTable(ctx, slot, {
    testid: 'models-table', empty: 'No models yet: register one with POST /api/v1/models/{model}/versions.',
    sort: sortParam || { key: 'name', desc: false }, onSortChange: keepOrder, rowTestid: (m) => `model-${m.name}`,
    columns: [
      { label: 'Model', sort: 'name', render: (m) => ui.link(`/console/models/${seg(m.name)}`, m.name) },
      { label: 'Latest', num: true, render: (m) => latest(m) },
      { label: 'Aliases', render: (m) => (m.aliases || []).map((a) => h('span', { class: 'badge' }, `${a.alias} → v${a.version}`)) },
      { label: 'Description', render: (m) => m.description || '' },
      { label: 'Updated', sort: 'last_updated_timestamp', render: (m) => ui.when(m.last_updated_timestamp) },
    ],
    load: async (token, sort) => {
      const r = await api.get(`/api/2.0/mlflow/registered-models/search${api.query({ order_by: orderBy(sort), max_results: size, page_token: token })}`);
      return { rows: r.registered_models || [], next: r.next_page_token };
    },
  });
}

function latest(m) {
  const vs = (m.latest_versions || []).map((v) => Number(v.version));
  return vs.length ? `v${Math.max(...vs)}` : '—';
}

/** Version columns; metric columns come from the rows on the page, each sortable by the server (metrics.<k>). */
function versionColumns({ ui }, rows, withModel) {
  const metricKeys = [...new Set(rows.flatMap((v) => Object.keys(v.metrics || {})))].sort().slice(0, 4);
  return [
    withModel ? { label: 'Model', sort: 'name', render: (v) => ui.link(`/console/models/${seg(v.model)}`, v.model) } : null,
    { label: 'Version', sort: 'version_number', num: true,
      render: (v) => ui.link(`/console/models/${seg(v.model)}/versions/${v.version}`, `v${v.version}`) },
    { label: 'Framework', render: (v) => v.framework || '—' },
    { label: 'Status', render: (v) => ui.badge(v.status || 'NONE') },
    ...metricKeys.map((k) => ({ label: k, sort: `metrics.${k}`, num: true, render: (v) => ui.num(v.metrics?.[k]) })),
    { label: 'Created', sort: 'creation_timestamp', render: (v) => ui.when(v.created_at) },
  ].filter(Boolean);
}

async function model(root, params, ctx) {
  const { ui, api } = ctx;
  const { h } = ui;
  const m = await api.get(`/api/v1/models/${seg(params.model)}`);
  const versions = h('div', { testid: 'versions' });
  const audit = h('div', { testid: 'audit' });
  ui.fill(root,
    h('div', { class: 'crumbs' }, ui.link('/console/models', 'Models'), ' / '),
    h('h1', {}, m.name),
    m.description ? h('p', {}, m.description) : null,
    h('div', { class: 'grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Aliases'),
        Object.keys(m.aliases || {}).length
          ? h('ul', { testid: 'aliases' }, Object.entries(m.aliases).map(([a, v]) => h('li', {}, `${a} → `,
            ui.link(`/console/models/${seg(m.name)}/versions/${v}`, `v${v}`))))
          : ui.muted('No aliases.'),
        h('p', {}, ui.link(`/console/deployments/${seg(m.name)}`, 'Traffic and deployments'))),
      h('section', { class: 'card' }, h('h2', {}, 'Details'), ui.kv([
        ['Latest version', m.latest_version ? `v${m.latest_version}` : '—'],
        ['Tags', tagList(ui, m.tags)],
        ['Approval policy', m.approval_policy ? JSON.stringify(m.approval_policy) : 'platform default'],
        ['Created', ui.when(m.created_at)], ['Updated', ui.when(m.updated_at)],
      ]))),
    h('h2', {}, 'Versions'), versions,
    h('h2', {}, 'Audit history'), audit);
  await Promise.all([
    pagedTable(ctx, versions, {
      testid: 'versions-table', sort: { key: 'version_number', desc: true }, rowTestid: (v) => `version-${v.version}`,
      columns: (rows) => versionColumns(ctx, rows, false),
      load: async (token, sort) => {
        const r = await api.get(`/api/v1/model-versions/search${api.query({ filter: `name = '${m.name.replace(/'/g, "\\'")}'`,
          order_by: orderBy(sort), max_results: PAGE, page_token: token })}`);
        return { rows: r.versions || [], next: r.next_page_token };
      },
    }),
    auditTable(ctx, audit, m.name, null),
  ]);
}

function tagList(ui, tags) {
  const e = Object.entries(tags || {});
  return e.length ? e.map(([k, v]) => ui.h('span', { class: 'badge' }, `${k}=${v}`)) : '—';
}

async function auditTable(ctx, slot, name, versionNumber) {
  const { ui, api } = ctx;
  await pagedTable(ctx, slot, {
    testid: 'audit-table', empty: 'No changes recorded yet.',
    columns: [
      { label: 'When', render: (e) => ui.when(e.at) },
      { label: 'Who', render: (e) => e.actor || '—' },
      { label: 'Action', render: (e) => e.action },
      { label: 'Version', render: (e) => (e.version ? `v${e.version}` : '—') },
      { label: 'Change', render: (e) => [e.alias ? `${e.alias}: ` : '', e.from ?? '', e.from || e.to ? ' → ' : '', e.to ?? ''].join('') },
      { label: 'Comment', render: (e) => e.comment || '' },
    ],
    load: async (token) => {
      const r = await api.get(`/api/v1/models/${seg(name)}/audit${api.query({ max_results: PAGE, page_token: token })}`);
      const entries = (r.entries || []).filter((e) => versionNumber === null || e.version === versionNumber);
      return { rows: entries, next: r.next_page_token };
    },
  });
}

async function version(root, params, ctx) {
  const { ui, api } = ctx;
  const { h } = ui;
  const base = `/api/v1/models/${seg(params.model)}/versions/${seg(params.version)}`;
  const v = await api.get(base);
  const [lineage, card, may] = await Promise.all([
    api.get(`${base}/lineage`).catch((e) => e),
    api.get(`${base}/card`).catch((e) => e),
    api.may(v.model),
  ]);
  const reviewSlot = h('div', { testid: 'review' });
  const audit = h('div', { testid: 'audit' });
  ui.fill(root,
    h('div', { class: 'crumbs' }, ui.link('/console/models', 'Models'), ' / ', ui.link(`/console/models/${seg(v.model)}`, v.model), ' / '),
    h('h1', {}, `${v.model} v${v.version}`),
    h('p', {}, ui.badge(v.status || 'NONE'), ' ', v.description || '', ' ',
      ui.link(`/console/playground/${seg(v.model)}/${v.version}`, 'Try it in the playground', { testid: 'playground-link' })),
    h('div', { class: 'grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Review'), reviewSlot),
      h('section', { class: 'card' }, h('h2', {}, 'Artifact'), ui.kv([
        ['Framework', v.framework], ['SHA-256', h('code', {}, (v.sha256 || '').slice(0, 16) + '…')],
        ['Size', v.size_bytes != null ? `${ui.num(v.size_bytes)} bytes` : '—'], ['Stage', v.stage || '—'],
        ['Placement', v.placement ? v.placement.kind : 'function'], ['Created', `${ui.when(v.created_at)} by ${v.created_by || '—'}`],
        ['Run', v.run_id || '—'], ['Servable', v.servable === false ? `no: ${v.status_message || ''}` : 'yes'],
      ]))),
    h('h2', {}, 'Signature'), signature(ui, v.signature),
    h('div', { class: 'grid' },
      h('section', { class: 'card', testid: 'metrics' }, h('h2', {}, 'Metrics'), mapTable(ui, v.metrics, true)),
      h('section', { class: 'card', testid: 'params' }, h('h2', {}, 'Parameters'), mapTable(ui, v.params)),
      h('section', { class: 'card', testid: 'tags' }, h('h2', {}, 'Tags'), mapTable(ui, v.tags))),
    h('h2', {}, 'Lineage'), lineageView(ui, lineage),
    h('h2', {}, 'Model card'), cardView(ui, card),
    h('h2', {}, 'Audit history'), audit);
  drawReview(ctx, reviewSlot, base, v, may);
  await auditTable(ctx, audit, v.model, v.version);
}

function signature(ui, sig) {
  const { h } = ui;
  if (!sig || (!sig.inputs && !sig.outputs)) return h('div', { testid: 'signature' }, ui.muted('No signature.'));
  const rows = [...(sig.inputs || []).map((t) => ({ ...t, dir: 'input' })), ...(sig.outputs || []).map((t) => ({ ...t, dir: 'output' }))];
  return h('div', { testid: 'signature' }, ui.table({ testid: 'signature-table', rows, columns: [
    { label: '', render: (t) => t.dir }, { label: 'Name', render: (t) => h('code', {}, t.name) },
    { label: 'Datatype', render: (t) => t.datatype }, { label: 'Shape', render: (t) => `[${(t.shape || []).join(', ')}]` },
  ] }));
}

function mapTable(ui, map, numbers = false) {
  const rows = Object.entries(map || {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => ({ k, v }));
  if (!rows.length) return ui.muted('None.');
  return ui.table({ rows, columns: [{ label: 'Name', render: (r) => r.k },
    { label: 'Value', num: numbers, render: (r) => (numbers ? ui.num(r.v, 6) : String(r.v)) }], rowTestid: (r) => `kv-${r.k}` });
}

function lineageView(ui, lineage) {
  const { h } = ui;
  if (lineage instanceof Error) return ui.error(h('div'), lineage);
  const up = lineage.upstream || {};
  const down = lineage.downstream || {};
  const upItems = [
    up.run ? `run ${up.run.run_id || up.run.id || ''} ${up.run.status ? `(${up.run.status})` : ''}` : null,
    ...(up.datasets || []).map((d) => `dataset ${d.uri}${d.version ? ` @ ${d.version}` : ''}`),
    up.code ? `code ${up.code.repository || ''}${up.code.commit ? ` @ ${String(up.code.commit).slice(0, 10)}` : ''}` : null,
    ...(up.parents || []).map((p) => h('span', {}, 'parent ', ui.link(`/console/models/${seg(p.model)}/versions/${p.version}`, `${p.model} v${p.version}`))),
    up.source ? `source ${up.source}` : null,
  ].filter(Boolean);
  const downItems = [
    ...(down.aliases || []).map((a) => `alias ${a}`),
    ...(down.versions || []).map((p) => h('span', {}, 'child ', ui.link(`/console/models/${seg(p.model)}/versions/${p.version}`, `${p.model} v${p.version}`))),
    ...(down.endpoints || []).map((e) => `endpoint ${e}`),
    ...(down.batch_jobs || []).map((j) => h('span', {}, 'batch job ', ui.link(`/console/batch/${seg(j.id)}`, j.id))),
    ...(down.experiments || []).map((x) => h('span', {}, 'experiment ',
      ui.link(`/console/experiments/${seg(x.id)}`, x.name || x.id), ` (arm ${x.arm}, ${x.state})`)),
  ];
  const col = (title, items, testid) => h('section', { class: 'card', testid }, h('h2', {}, title),
    items.length ? h('ul', {}, items.map((i) => h('li', {}, i))) : ui.muted('Nothing recorded.'));
  const graph = h('div', { class: 'chart', testid: 'lineage-graph', role: 'img', 'aria-label': 'Lineage graph' });
  const text = (i) => (typeof i === 'string' ? i : i.textContent).trim();
  const ups = [...new Set(upItems.map(text))];
  const downs = [...new Set(downItems.map(text))];
  graph.style.height = `${Math.max(160, 40 * Math.max(ups.length, downs.length, 1) + 40)}px`;
  const center = `${lineage.model} v${lineage.version}`;
  const place = (list, x) => list.map((name, i) => ({ name, x, y: (i + 0.5) / list.length * 100 }));
  const nodes = [...place(ups, 0), { name: center, x: 50, y: 50, symbolSize: 18, itemStyle: { color: '#e07b00' } }, ...place(downs, 100)];
  queueMicrotask(() => ui.chart(graph, {
    series: [{ type: 'graph', layout: 'none', roam: false, symbolSize: 12, edgeSymbol: ['none', 'arrow'],
      label: { show: true, position: 'bottom', width: 220, overflow: 'truncate' }, itemStyle: { color: '#1f5fbf' },
      left: 120, right: 120, top: 24, bottom: 24,
      data: nodes.map((n) => ({ ...n, value: n.name })),
      links: [...ups.map((u) => ({ source: u, target: center })), ...downs.map((d) => ({ source: center, target: d }))] }],
  }).catch(() => {}));
  return h('div', { testid: 'lineage' }, graph, h('div', { class: 'grid' },
    col('Upstream', upItems, 'lineage-upstream'),
    h('section', { class: 'card' }, h('h2', {}, 'This version'), h('p', {}, center)),
    col('Downstream', downItems, 'lineage-downstream')));
}

function cardView(ui, card) {
  const { h } = ui;
  if (card instanceof Error) {
    return card.status === 404 ? h('div', { testid: 'card' }, ui.muted('No model card yet (PUT …/card).')) : ui.error(h('div'), card);
  }
  return h('section', { class: 'card', testid: 'card' },
    card.markdown ? h('pre', {}, card.markdown) : null,
    ui.kv([
      card.intended_use ? ['Intended use', card.intended_use] : null,
      card.limitations ? ['Limitations', card.limitations] : null,
      card.evaluation_data ? ['Evaluation data', card.evaluation_data] : null,
      card.evaluation_results ? ['Evaluation results', Object.entries(card.evaluation_results).map(([k, x]) => `${k} = ${ui.num(x)}`).join(', ')] : null,
      card.fairness_notes ? ['Fairness notes', card.fairness_notes] : null,
    ]));
}

/** Approve / reject (PENDING_REVIEW) or ask for review (NONE, REJECTED); the API decides who may, and says why not. */
function drawReview(ctx, slot, base, v, may) {
  const { ui, api, navigate } = ctx;
  const { h } = ui;
  const status = v.status || 'NONE';
  const comment = h('input', { type: 'text', name: 'comment', testid: 'review-comment', 'aria-label': 'Review comment', placeholder: 'Comment' });
  const message = h('div', { testid: 'review-message' });
  const act = (path) => async (e) => {
    e.target.disabled = true;
    try {
      await api.post(`${base}/${path}`, { comment: comment.value });
      await navigate(location.pathname, { replace: true });
    } catch (err) {
      ui.say(message, 'error', err.message);
      e.target.disabled = false;
    }
  };
  const buttons = [];
  if (status === 'PENDING_REVIEW' && may.has('approve')) {
    buttons.push(h('button', { type: 'button', class: 'primary', testid: 'approve', onclick: act('approve') }, 'Approve'),
      h('button', { type: 'button', class: 'danger', testid: 'reject', onclick: act('reject') }, 'Reject'));
  } else if (status === 'PENDING_REVIEW') {
    message.append(h('p', { class: 'muted', testid: 'review-not-allowed' }, 'You may not approve or reject versions of this model (no approve grant).'));
  } else if ((status === 'NONE' || status === 'REJECTED') && may.has('register')) {
    buttons.push(h('button', { type: 'button', testid: 'request-review', onclick: act('review-request') }, 'Request review'));
  }
  ui.fill(slot, h('p', {}, 'Status: ', ui.badge(status, null)),
    buttons.length ? h('div', { class: 'toolbar' }, comment, ...buttons) : null, message);
}
