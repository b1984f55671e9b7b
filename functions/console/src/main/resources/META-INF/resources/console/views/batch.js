// Batch: scoring jobs with their progress, rows per second, estimated cost and where their error rows are; schedules.
import { seg } from '../api.js';

const PAGE = 25;

export async function render(root, params, ctx) {
  return params.id === undefined ? list(root, params, ctx) : job(root, params, ctx);
}

function progress(ui, j) {
  const r = j.records || {};
  const done = (r.succeeded ?? 0) + (r.failed ?? 0);
  const total = r.total ?? null;
  const finished = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.state);
  const max = total || (finished ? Math.max(done, 1) : null);
  const pct = max ? Math.round((done / max) * 100) : null;
  return ui.h('span', { testid: 'progress' },
    max ? ui.h('progress', { max, value: done, 'aria-label': `${pct} % of rows done` }) : ui.h('progress', { 'aria-label': 'waiting for the row count' }),
    ` ${ui.num(done)} / ${total == null ? '?' : ui.num(total)}`);
}

const cost = (ui, j) => (j.estimated_cost_usd?.total != null ? `$${j.estimated_cost_usd.total.toFixed(6)}` : '—');

async function list(root, params, ctx) {
  const { ui, api } = ctx;
  const { h } = ui;
  const model = params.query.get('model') || '';
  const state = params.query.get('state') || '';
  const jobs = h('div', { testid: 'jobs' });
  const schedules = h('div', { testid: 'schedules' });
  const modelInput = h('input', { type: 'text', name: 'model', value: model, placeholder: 'model', 'aria-label': 'Model', testid: 'filter-model' });
  const stateSelect = h('select', { name: 'state', 'aria-label': 'State', testid: 'filter-state' },
    ['', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'].map((s) => h('option', { value: s, selected: s === state }, s || 'any state')));
  ui.fill(root, h('h1', {}, 'Batch scoring'),
    h('form', { class: 'toolbar', testid: 'batch-filter', onsubmit: (e) => { e.preventDefault();
      ctx.navigate(`/console/batch${api.query({ model: modelInput.value.trim(), state: stateSelect.value })}`); } },
    modelInput, stateSelect, h('button', { type: 'submit' }, 'Filter')),
    h('h2', {}, 'Jobs'), jobs, h('h2', {}, 'Schedules'), schedules);
  await Promise.all([
    paged(ctx, jobs, (token) => `/api/v1/batch-jobs${api.query({ model, state, max_results: PAGE, page_token: token })}`, 'jobs', (rows) =>
      ui.table({ testid: 'jobs-table', rows, rowTestid: (j) => `job-${j.id}`, empty: 'No jobs.', columns: [
        { label: 'Job', render: (j) => ui.link(`/console/batch/${seg(j.id)}`, j.id) },
        { label: 'Model', render: (j) => (j.version ? ui.link(`/console/models/${seg(j.model)}/versions/${j.version}`, `${j.model} v${j.version}`) : j.model) },
        { label: 'State', render: (j) => ui.badge(j.state) },
        { label: 'Progress', render: (j) => progress(ui, j) },
        { label: 'Rows/s', num: true, render: (j) => ui.num(j.records_per_second) },
        { label: 'Cost (est.)', num: true, render: (j) => cost(ui, j) },
        { label: 'Errors', render: (j) => ((j.records?.failed ?? 0) > 0 ? ui.link(`/console/batch/${seg(j.id)}#errors`, `${ui.num(j.records.failed)} rows`, { testid: 'errors-link' }) : '—') },
        { label: 'Created', render: (j) => ui.when(j.created_at) },
      ] })),
    paged(ctx, schedules, (token) => `/api/v1/batch-schedules${api.query({ max_results: PAGE, page_token: token })}`, 'schedules', (rows) =>
      ui.table({ testid: 'schedules-table', rows, rowTestid: (s) => `schedule-${s.id}`, empty: 'No schedules.', columns: [
        { label: 'Schedule', render: (s) => h('code', {}, s.id) },
        { label: 'Model', render: (s) => `${s.model} (${s.requested ?? 'production'})` },
        { label: 'When', render: (s) => h('code', {}, s.schedule) },
        { label: 'Input', render: (s) => (typeof s.input === 'string' ? s.input : JSON.stringify(s.input)) },
        { label: 'Last run', render: (s) => ui.when(s.last_fire) },
        { label: 'Next run', render: (s) => ui.when(s.next_fire) },
      ] })),
  ]);
}

async function paged(ctx, slot, url, key, draw) {
  const { ui, api } = ctx;
  const tokens = [null];
  async function page(token) {
    const r = await api.get(url(token));
    ui.fill(slot, draw(r[key] || []), ui.pager({ hasPrev: tokens.length > 1, hasNext: !!r.next_page_token, label: `Page ${tokens.length}`,
      onPrev: () => { tokens.pop(); page(tokens[tokens.length - 1]).catch((e) => ui.error(slot, e)); },
      onNext: () => { tokens.push(r.next_page_token); page(r.next_page_token).catch((e) => ui.error(slot, e)); } }));
  }
  await page(null);
}

async function job(root, params, ctx) {
  const { ui, api } = ctx;
  const { h } = ui;
  const j = await api.get(`/api/v1/batch-jobs/${seg(params.id)}`);
  const c = j.estimated_cost_usd || {};
  const message = h('div', { testid: 'job-message' });
  const running = ['QUEUED', 'RUNNING'].includes(j.state);
  ui.fill(root,
    h('div', { class: 'crumbs' }, ui.link('/console/batch', 'Batch'), ' / '),
    h('h1', {}, j.id),
    h('p', {}, ui.badge(j.state), ' ', progress(ui, j), ' ',
      running ? h('button', { type: 'button', class: 'danger', testid: 'cancel', onclick: async () => {
        if (!(await ui.confirm(`Cancel job ${j.id}?`, { action: 'Cancel the job', danger: true }))) return;
        try { await api.post(`/api/v1/batch-jobs/${seg(j.id)}/cancel`, {}); await ctx.navigate(location.pathname, { replace: true }); } catch (err) { ui.say(message, 'error', err.message); }
      } }, 'Cancel') : null),
    message,
    j.error ? h('div', { class: 'error', testid: 'job-error' }, j.error) : null,
    h('div', { class: 'grid' },
      h('section', { class: 'card', testid: 'job-details' }, h('h2', {}, 'Job'), ui.kv([
        ['Model', j.version ? ui.link(`/console/models/${seg(j.model)}/versions/${j.version}`, `${j.model} v${j.version}`) : j.model],
        ['Requested', j.requested], ['Priority', j.priority], ['Format', j.format], ['Source', j.source],
        ['Input', h('code', {}, typeof j.input === 'string' ? j.input : JSON.stringify(j.input))], ['Output', h('code', {}, j.output)],
        ['Created', ui.when(j.created_at)], ['Started', ui.when(j.started_at)], ['Finished', ui.when(j.finished_at)],
      ])),
      h('section', { class: 'card', testid: 'job-throughput' }, h('h2', {}, 'Rows and speed'), ui.kv([
        ['Rows', `${ui.num(j.records?.total)} total, ${ui.num(j.records?.succeeded)} scored, ${ui.num(j.records?.failed)} errors`],
        ['Rows per second', ui.num(j.records_per_second)], ['Scoring rows per second', ui.num(j.scoring_records_per_second)],
        ['ETA', j.eta_seconds != null ? `${j.eta_seconds} s` : '—'],
        ['Plan', j.plan ? `${j.plan.chunks} chunks of ${ui.num(j.plan.chunk_rows)} rows, ${j.plan.concurrency} at once (${j.plan.basis})` : '—'],
      ])),
      h('section', { class: 'card', testid: 'job-cost' }, h('h2', {}, 'Estimated cost on AWS'), ui.kv([
        ['Total', cost(ui, j)], ['Lambda', c.lambda != null ? `$${c.lambda}` : '—'], ['Step Functions', c.step_functions != null ? `$${c.step_functions}` : '—'],
        ['S3', c.s3 != null ? `$${c.s3}` : '—'], ['DynamoDB', c.dynamodb != null ? `$${c.dynamodb}` : '—'],
        c.emr_serverless != null ? ['EMR Serverless', `$${c.emr_serverless}`] : null,
      ]))),
    h('h2', { id: 'errors' }, 'Error rows'),
    (j.records?.failed ?? 0) > 0 || j.errors
      ? h('section', { class: 'card', testid: 'job-errors' },
        h('p', {}, `${ui.num(j.records?.failed ?? 0)} rows could not be scored; each is a line of `, h('code', {}, j.errors || `${j.output}errors.jsonl`), ' with its id and reason:'),
        h('pre', {}, `aws s3 cp ${j.errors || `${j.output}errors.jsonl`} -`))
      : ui.muted('No error rows.'));
}
