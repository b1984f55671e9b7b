// Training: jobs (by name, project and state), per job its trials with a parallel-coordinates chart of the
// hyperparameters against the metric, the best trial, the refit run and the registered version; and a comparison of
// runs across the jobs' MLflow experiments. Data: /api/v1/training-jobs[/{id}], /api/2.0/mlflow/runs/search.

import { h, enc, fmt, link, section, table, pagedTable, serverTable, pages, fact } from './parts.js';

const PAGE = 20;
const STATES = ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export async function render(root, params, ctx) {
  if (params.job) {
    return job(root, params, ctx);
  }
  if (params.query?.get('compare') || params.query?.get('experiments')) {
    return compare(root, params, ctx);
  }
  return list(root, params, ctx);
}

async function list(root, params, ctx) {
  const filters = {};
  for (const k of ['name', 'project', 'state']) {
    const val = params.query?.get(k);
    if (val) filters[k] = val;
  }
  const listing = pages(ctx, '/api/v1/training-jobs', filters, 'jobs'); // paged by the server, newest first
  const firstPage = await listing.first();
  listing.withFirst(firstPage);
  const jobs = firstPage.jobs;
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, 'Training'));

  const name = h('input', { type: 'search', name: 'name', value: filters.name || '', placeholder: 'job name',
    'aria-label': 'job name' });
  const project = h('input', { type: 'text', name: 'project', value: filters.project || '', placeholder: 'project',
    'aria-label': 'project' });
  const state = h('select', { name: 'state', 'aria-label': 'state' },
    ...STATES.map((s) => h('option', { value: s, ...(s === filters.state ? { selected: '' } : {}) }, s || 'any state')));
  const form = h('form', { class: 'toolbar', role: 'search' }, name, project, state, h('button', { type: 'submit' },
    'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (name.value) next.set('name', name.value);
    if (project.value) next.set('project', project.value);
    if (state.value) next.set('state', state.value);
    ctx.navigate('/console/training' + (next.size ? '?' + next : ''));
  });
  root.append(form);
  if (!jobs.length) {
    root.append(h('p', { 'data-testid': 'jobs-empty' }, 'No training jobs match: POST /api/v1/training-jobs starts one.'));
    return;
  }
  const chosen = new Set();
  const compareButton = h('button', { type: 'button', 'data-testid': 'compare-button', disabled: '' },
    'Compare runs of the selected jobs');
  compareButton.addEventListener('click', () => ctx.navigate('/console/training?compare=' + [...chosen].join(',')));
  root.append(await serverTable({
    testid: 'jobs-table',
    columns: ['', 'job', 'name', 'project', 'state', 'phase', 'trials', 'best CV', 'holdout', 'registered', 'cost',
      'created'],
    load: listing.load,
    cells: (j) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `compare ${j.id}`, 'data-testid': `compare-${j.id}` });
      box.checked = chosen.has(j.id);
      box.addEventListener('change', () => {
        box.checked ? chosen.add(j.id) : chosen.delete(j.id);
        compareButton.disabled = chosen.size < 1;
      });
      return [box, link(ctx, `/console/training/${enc(j.id)}`, j.id), j.name, j.project, stateBadge(j.state), j.phase,
        trialCounts(j.trials), fmt(j.best?.cv_mean), fmt(j.refit?.holdout_score), registered(ctx, j.registered),
        usd(j.cost?.total_usd), j.created_at || ''];
    },
  }), compareButton);
}

async function job(root, params, ctx) {
  const j = await ctx.api.get(`/api/v1/training-jobs/${enc(params.job)}`); // 404 → the not-found page
  const metric = j.spec?.metric || 'metric';
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, `Training job · ${j.name}`),
    h('p', { 'data-testid': 'job-summary' }, stateBadge(j.state), ` ${j.id} · phase ${j.phase} · project ${j.project}`,
      ` · dataset ${j.dataset || '—'}`,
      ` · metric ${metric} · cost ${usd(j.cost?.total_usd)}`),
    j.error ? h('p', { class: 'error', role: 'alert' }, j.error) : '',
    j.stop_reason ? h('p', { class: 'warning' }, `Stopped: ${j.stop_reason}`) : '');

  // The best run and what it became.
  const best = j.best;
  root.append(section('Best run', 'best', h('dl', { class: 'kv' },
    fact('best trial', best ? `#${best.trial}` : '—'),
    fact(`CV ${metric}`, best ? `${fmt(best.cv_mean)} ± ${fmt(best.cv_std)}` : '—'),
    fact('params', best ? Object.entries(best.params || {}).map(([k, val]) => `${k}=${fmt(val)}`).join(', ') : '—'),
    fact('rounds', best ? String(best.rounds) : '—'),
    fact('refit run', j.refit?.run_id || '—'),
    fact(`holdout ${metric}`, fmt(j.refit?.holdout_score)),
    fact('model SHA-256', j.refit?.sha256 ? j.refit.sha256.slice(0, 16) + '…' : '—'),
    fact('registered version', registered(ctx, j.registered), 'registered'))));

  // Trials: table and parallel coordinates.
  const trials = j.trials?.items || [];
  // The searched hyperparameters (the space's), else every param a trial had.
  const space = Object.keys(j.spec?.tuning?.space || {}).sort();
  const names = space.length ? space : [...new Set(trials.flatMap((t) => Object.keys(t.params || {})))].sort();
  const finished = trials.filter((t) => t.cv_mean != null);
  if (finished.length) {
    const pc = h('div', { class: 'chart', 'data-testid': 'parallel-chart' });
    root.append(section(`Hyperparameters against CV ${metric}`, 'parallel', pc));
    await parallel(ctx, pc, [...names, `cv_${metric}`], finished.map((t) => [...names.map((n) => t.params[n]), t.cv_mean]));
  }
  root.append(section(`Trials (${trialCounts(j.trials)})`, 'trials', pagedTable({
    testid: 'trials-table',
    columns: ['#', ...names, 'state', `CV ${metric}`, 'std', 'best round', 'seconds', 'cost', 'run'],
    rows: [...trials].sort((a, b) => a.number - b.number),
    cells: (t) => [String(t.number), ...names.map((n) => fmt(t.params?.[n])),
      t.error ? h('span', { class: 'bad', title: t.error }, t.state) : t.state, fmt(t.cv_mean), fmt(t.cv_std),
      t.best_round == null ? '—' : String(t.best_round), fmt(t.seconds), usd(t.cost_usd), t.run_id || ''],
  })));
  if (j.mlflow_experiment) {
    root.append(h('p', {}, link(ctx, `/console/training?compare=${enc(j.id)}`,
      `Runs of MLflow experiment ${j.mlflow_experiment}`)));
  }
}

/** Runs of one or more jobs' MLflow experiments in one table, paged by the MLflow API's page token. */
/** `?compare=JOB,JOB` (training jobs) and `&experiments=ID,ID` (any MLflow experiments, a notebook's too). */
async function compare(root, params, ctx) {
  const ids = (params.query.get('compare') || '').split(',').filter(Boolean);
  const extra = (params.query.get('experiments') || '').split(',').filter(Boolean);
  const jobs = await Promise.all(ids.map((id) => ctx.api.get(`/api/v1/training-jobs/${enc(id)}`)));
  const experiments = [...new Set([...jobs.map((j) => j.mlflow_experiment).filter(Boolean), ...extra])];
  const found = await Promise.all(experiments.map((id) => // an experiment that does not exist: 404, the not-found page
    ctx.api.get(`/api/2.0/mlflow/experiments/get?experiment_id=${enc(id)}`).then((r) => r.experiment)));
  const names = new Map(found.map((e) => [e.experiment_id, e.name]));
  root.replaceChildren(); // the shell's 'Loading…'

  root.append(h('h1', {}, 'Compare runs'),
    h('p', {}, jobs.length ? 'Jobs: ' : '', ...jobs.flatMap((j, i) => [i ? ', ' : '', link(ctx, `/console/training/${enc(j.id)}`,
      `${j.name} (${j.id})`)]), `${jobs.length ? ' — ' : ''}MLflow experiments `,
    h('span', { 'data-testid': 'compared-experiments' }, experiments.map((id) => `${names.get(id) || id} (${id})`).join(', '))));
  root.append(addExperimentForm(ctx, ids, experiments, extra));
  if (jobs.length) root.append(section('Best per job', 'compare-jobs', table({
    testid: 'compare-jobs-table',
    columns: ['job', 'name', 'metric', 'best CV', 'holdout', 'best params', 'registered'],
    rows: jobs,
    cells: (j) => [j.id, j.name, j.spec?.metric || '', fmt(j.best?.cv_mean), fmt(j.refit?.holdout_score),
      Object.entries(j.best?.params || {}).map(([k, val]) => `${k}=${fmt(val)}`).join(', '),
      registered(ctx, j.registered)],
  })));
  const holder = h('div', {});
  root.append(section('Runs across experiments', 'compare-runs', holder));
  const tokens = [null];
  const load = async (page) => {
    const body = { experiment_ids: experiments, max_results: PAGE, order_by: ['attributes.start_time DESC'] };
    if (tokens[page]) body.page_token = tokens[page];
    const answer = await ctx.api.post('/api/2.0/mlflow/runs/search', body);
    const runs = answer.runs || [];
    tokens[page + 1] = answer.next_page_token || undefined;
    const kv = (list) => Object.fromEntries((list || []).map((x) => [x.key, x.value]));
    const paramNames = [...new Set(runs.flatMap((r) => (r.data?.params || []).map((p) => p.key)))].sort();
    const metricNames = [...new Set(runs.flatMap((r) => (r.data?.metrics || []).map((m) => m.key)))]
      .filter((k) => !/_fold_\d+$/.test(k)).sort();
    const prev = h('button', { type: 'button', 'data-testid': 'runs-prev' }, '‹ Previous');
    const next = h('button', { type: 'button', 'data-testid': 'runs-next' }, 'Next ›');
    prev.disabled = page === 0;
    next.disabled = !tokens[page + 1];
    prev.onclick = () => load(page - 1).catch((e) => ctx.ui.error(holder, e));
    next.onclick = () => load(page + 1).catch((e) => ctx.ui.error(holder, e));
    ctx.ui.fill(holder, table({ // ui.fill keeps a pager button focused
      testid: 'compare-runs-table',
      columns: ['experiment', 'run', 'status', ...paramNames, ...metricNames],
      rows: runs,
      cells: (r) => {
        const p = kv(r.data?.params);
        const m = kv(r.data?.metrics);
        return [names.get(r.info.experiment_id) || r.info.experiment_id, r.info.run_name || r.info.run_id, r.info.status,
          ...paramNames.map((n) => p[n] ?? ''), ...metricNames.map((n) => fmt(m[n]))];
      },
    }), h('div', { class: 'pager' }, prev, ` page ${page + 1} `, next));
  };
  await load(0);
}

/** Adds an MLflow experiment, by name, to the comparison (MLflow's own UI compares runs of one experiment only). */
function addExperimentForm(ctx, ids, experiments, extra) {
  const input = h('input', { type: 'text', name: 'experiment', required: '', 'aria-label': 'MLflow experiment name',
    placeholder: 'another MLflow experiment, by name', 'data-testid': 'add-experiment' });
  const message = h('div', {});
  const form = h('form', { class: 'toolbar', 'data-testid': 'add-experiment-form' }, input,
    h('button', { type: 'submit', 'data-testid': 'add-experiment-button' }, 'Add to the comparison'), message);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await ctx.api.get(`/api/2.0/mlflow/experiments/get-by-name?experiment_name=${enc(input.value.trim())}`);
      const id = r.experiment.experiment_id;
      if (experiments.includes(id)) return;
      const q = new URLSearchParams();
      if (ids.length) q.set('compare', ids.join(','));
      q.set('experiments', [...extra, id].join(','));
      await ctx.navigate(`/console/training?${q.toString().replace(/%2C/g, ',')}`);
    } catch (err) {
      ctx.ui.error(message, err); // the API's message (an experiment that does not exist: 404 with its name)
    }
  });
  return form;
}

/** Parallel coordinates: one line per trial across one axis per hyperparameter, the last axis the metric. */
async function parallel(ctx, el, axes, rows) {
  const last = axes.length - 1;
  const parallelAxis = axes.map((name, dim) => {
    const values = rows.map((r) => r[dim]);
    if (values.every((v) => typeof v === 'number')) {
      return { dim, name, type: 'value', scale: true };
    }
    return { dim, name, type: 'category', data: [...new Set(values.map(String))] };
  });
  const metric = rows.map((r) => r[last]);
  return ctx.ui.chart(el, {
    tooltip: {},
    parallel: { left: 48, right: 96, top: 40, bottom: 24 },
    parallelAxis,
    visualMap: { type: 'continuous', dimension: last, min: Math.min(...metric), max: Math.max(...metric),
      right: 0, top: 'middle', itemHeight: 120, calculable: false, text: [axes[last], ''],
      inRange: { color: ['#c0392b', '#f1c40f', '#1e8449'] } },
    series: [{ type: 'parallel', lineStyle: { width: 2, opacity: 0.8 },
      data: rows.map((r) => r.map((v, i) => (parallelAxis[i].type === 'category' ? String(v) : v))) }],
  });
}

function trialCounts(t) {
  if (!t) return '—';
  return `${t.total} total, ${t.succeeded} succeeded${t.failed ? `, ${t.failed} failed` : ''}`
    + `${t.pruned ? `, ${t.pruned} pruned` : ''}`;
}

function registered(ctx, r) {
  if (!r) return '—';
  return link(ctx, `/console/models/${enc(r.model)}/versions/${r.version}`,
    `${r.model} v${r.version}${r.alias ? ' @' + r.alias : ''}`);
}

function stateBadge(state) {
  return h('span', { class: `badge state-${String(state).toLowerCase()}`, 'data-testid': 'state' }, state);
}

function usd(x) {
  return x == null ? '—' : `$${x < 0.01 ? x.toExponential(2) : x.toFixed(2)}`;
}

// ---- small DOM kit (kept in this file, see the console contract) ----
