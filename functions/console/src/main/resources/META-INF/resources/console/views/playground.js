// Playground: a form built from a version's signature, the model's answer (POST /v2/…/infer, OIP), and its SHAP
// values (parameters.explain = "shap") as a bar chart per feature; for a version with a feature pipeline, a form of
// its named raw features (POST /api/v1/models/{m}/predict, the same parameters.explain); for a version registered with a
// feature service, its entities' join keys first (the FEATURES stage looks the rest up in the online store).
import { seg } from '../api.js';

const MAX_FIELDS = 64;

export async function render(root, params, ctx) {
  const { ui, api } = ctx;
  const { h } = ui;
  const v = await api.get(`/api/v1/models/${seg(params.model)}/versions/${seg(params.version)}`);
  if (v.pipeline?.features?.length) return named(root, v, ctx);
  const inputs = v.signature?.inputs || [];
  const fields = inputs.map((t) => field(ui, t));
  const explain = h('input', { type: 'checkbox', name: 'explain', checked: true, testid: 'explain' });
  const answer = h('div', { testid: 'answer', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'predict' }, 'Predict');
  const form = h('form', { testid: 'playground-form', onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const body = { inputs: fields.map((f) => f.tensor()) };
      if (explain.checked) body.parameters = { explain: 'shap' };
      const r = await api.post(`/v2/models/${seg(v.model)}/versions/${v.version}/infer`, body);
      await showAnswer(ui, answer, r);
    } catch (err) {
      ui.error(answer, err);
    } finally {
      submit.disabled = false;
    }
  } },
  fields.map((f) => f.el),
  h('div', { class: 'toolbar' }, h('label', {}, explain, ' Explain with SHAP'), submit));
  ui.fill(root,
    h('div', { class: 'crumbs' }, ui.link('/console/models', 'Models'), ' / ', ui.link(`/console/models/${seg(v.model)}`, v.model), ' / ',
      ui.link(`/console/models/${seg(v.model)}/versions/${v.version}`, `v${v.version}`), ' / '),
    h('h1', {}, `Playground: ${v.model} v${v.version}`),
    inputs.length ? form : ui.muted('This version has no signature, so there is no form to build.'),
    answer);
}

/**
 * A version with a feature pipeline takes named, raw features (README, Named features): one field per raw feature
 * the pipeline reads (an expression's names, else the feature's own), text for categorical ones; a field left empty
 * is left out, so the pipeline's `impute` fills it (or the API says which feature is missing).
 */
async function named(root, v, { ui, api }) {
  const { h } = ui;
  const service = v.properties?.['pier.feature-service'];
  const keys = service ? await joinKeys(api, service) : [];
  const keyCells = keys.map(([name, type]) => {
    const text = !/^(INT32|INT64)$/.test(type);
    return [name, text, h('input', { type: text ? 'text' : 'number', step: text ? null : '1', name, testid: `key-${name}`,
      inputmode: text ? null : 'numeric', 'aria-required': 'true' }), type];
  });
  const categorical = (f) => (f.steps || []).some((st) => st.onehot || st.ordinal || st.hash);
  const raw = new Map();
  for (const f of v.pipeline.features) {
    const names = f.expression ? (f.expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) || []) : [f.name];
    for (const n of names) if (!raw.has(n)) raw.set(n, !f.expression && categorical(f));
  }
  const cells = [...raw].map(([name, text]) => [name, text, h('input', { type: text ? 'text' : 'number', step: text ? null : 'any',
    name, testid: `feature-${name}`, inputmode: text ? null : 'decimal' })]);
  const explain = h('input', { type: 'checkbox', name: 'explain', checked: true, testid: 'explain' });
  const answer = h('div', { testid: 'answer', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'predict' }, 'Predict');
  const form = h('form', { testid: 'playground-form', onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const instance = {};
      for (const [name, text, input] of [...keyCells, ...cells]) {
        if (input.value.trim() !== '') instance[name] = text ? input.value : Number(input.value);
      }
      const body = { instances: [instance] };
      if (explain.checked) body.parameters = { explain: 'shap' };
      const r = await api.post(`/api/v1/models/${seg(v.model)}/predict?version=${v.version}`, body);
      const prediction = (r.predictions || [])[0] ?? {};
      const rows = typeof prediction === 'object' && !Array.isArray(prediction)
        ? Object.entries(prediction).filter(([k]) => !k.startsWith('shap_')) : [['prediction', prediction]];
      ui.fill(answer, h('h2', {}, 'Answer'), h('p', { class: 'muted' }, `model_version ${r.model_version ?? '—'}`),
        ui.table({ testid: 'outputs', rows, rowTestid: ([k]) => `output-${k}`, columns: [
          { label: 'Output', render: ([k]) => h('code', {}, k) },
          { label: 'Values', render: ([, x]) => (Array.isArray(x) ? x.map((y) => ui.num(y, 5)).join(', ') : ui.num(x, 5)) },
        ] }));
      // shap_values: per explained column, one value per model input column (the pipeline's features in order)
      const values = prediction?.shap_values;
      if (Array.isArray(values) && values.length) {
        const explained = prediction.shap_output;
        const out = prediction[explained];
        const column = Array.isArray(out) && values.length > 1 ? out.indexOf(Math.max(...out)) : 0;
        const names = v.pipeline.features.map((f) => f.name);
        await drawShap(ui, answer, { shap: values[column], base: prediction.shap_base?.[column], explained, column,
          columns: values.length, names: names.length === values[column].length ? names : null });
      }
    } catch (err) {
      ui.error(answer, err);
    } finally {
      submit.disabled = false;
    }
  } },
  service ? h('fieldset', { class: 'card', testid: 'join-keys' }, h('legend', {}, `Entity join keys (feature service ${service})`),
    h('div', { class: 'form-grid' }, keyCells.map(([name, , input, type]) => h('label', {}, `${name} (${type}, required)`, input))))
    : null,
  h('fieldset', { class: 'card' }, h('legend', {}, service ? `Overrides (the version's feature pipeline, ${v.pipeline.features.length} features; optional)`
    : `Named features (the version's feature pipeline, ${v.pipeline.features.length} features)`),
    h('div', { class: 'form-grid' }, cells.map(([name, text, input]) => h('label', {}, `${name}${text ? ' (text)' : ''}`, input)))),
  h('div', { class: 'toolbar' }, h('label', {}, explain, ' Explain with SHAP'), submit));
  ui.fill(root,
    h('div', { class: 'crumbs' }, ui.link('/console/models', 'Models'), ' / ', ui.link(`/console/models/${seg(v.model)}`, v.model), ' / ',
      ui.link(`/console/models/${seg(v.model)}/versions/${v.version}`, `v${v.version}`), ' / '),
    h('h1', {}, `Playground: ${v.model} v${v.version}`),
    service ? h('p', { class: 'muted', testid: 'online-store-note' }, `Feature values come from the online store (feature service `
      + `${service}) for the entity you name, unless overridden below; an empty override is left out.`)
      : ui.muted('Empty fields are left out of the instance: the pipeline imputes them where it says how.'),
    form, answer);
}

/**
 * The join keys of a feature service's entities, as [name, value_type] pairs in first-seen order: from the feature
 * views that serve it (GET /api/v1/feature-views, every page; each view names its join keys and their types).
 */
async function joinKeys(api, service) {
  const keys = new Map();
  let token = null;
  do {
    const page = await api.get(`/api/v1/feature-views?max_results=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    for (const fv of page.feature_views || []) {
      if (!(fv.feature_services || []).includes(service)) continue;
      (fv.join_keys || []).forEach((k, i) => { if (!keys.has(k)) keys.set(k, fv.join_key_types?.[i] || 'STRING'); });
    }
    token = page.next_page_token;
  } while (token);
  return [...keys];
}

/** One input tensor: a number field per feature for a [-1, n] (or [n]) numeric input, else a JSON text area. */
function field(ui, t) {
  const { h } = ui;
  const shape = t.shape || [];
  const n = shape.length === 2 && shape[1] > 0 ? shape[1] : shape.length === 1 && shape[0] > 0 ? shape[0] : null;
  const numeric = /^(FP|INT|UINT)/.test(t.datatype || '');
  if (numeric && n && n <= MAX_FIELDS) {
    const names = t.parameters?.feature_names || t.feature_names || [];
    const cells = Array.from({ length: n }, (_, i) => h('input', { type: 'number', step: 'any', required: true, value: '0',
      name: `${t.name}[${i}]`, testid: `input-${t.name}-${i}`, inputmode: 'decimal' }));
    return {
      el: h('fieldset', { class: 'card' }, h('legend', {}, `${t.name} (${t.datatype} [${shape.join(', ')}])`),
        h('div', { class: 'form-grid' }, cells.map((c, i) => h('label', {}, names[i] || `${t.name}[${i}]`, c)))),
      tensor: () => ({ name: t.name, datatype: t.datatype, shape: shape.length === 2 ? [1, n] : [n], data: cells.map((c) => Number(c.value)) }),
    };
  }
  const area = h('textarea', { rows: 3, name: t.name, testid: `input-${t.name}`, 'aria-label': t.name, placeholder: 'JSON data, e.g. [[1, 2, 3]]' });
  return {
    el: h('label', { class: 'card' }, `${t.name} (${t.datatype} [${shape.join(', ')}]) as JSON`, area),
    tensor: () => {
      const data = JSON.parse(area.value || '[]');
      const dims = [];
      for (let x = data; Array.isArray(x); x = x[0]) dims.push(x.length);
      return { name: t.name, datatype: t.datatype, shape: dims, data: data.flat(Infinity) };
    },
  };
}

async function showAnswer(ui, slot, r) {
  const { h } = ui;
  const outputs = r.outputs || [];
  const byName = Object.fromEntries(outputs.map((o) => [o.name, o]));
  const shown = outputs.filter((o) => !o.name.startsWith('shap_'));
  ui.fill(slot, h('h2', {}, 'Answer'),
    h('p', { class: 'muted' }, `model_version ${r.model_version ?? '—'}`, r.id ? ` · request ${r.id}` : ''),
    ui.table({ testid: 'outputs', rows: shown, rowTestid: (o) => `output-${o.name}`, columns: [
      { label: 'Output', render: (o) => h('code', {}, o.name) },
      { label: 'Shape', render: (o) => `[${(o.shape || []).join(', ')}]` },
      { label: 'Values', render: (o) => (o.data || []).slice(0, 32).map((x) => ui.num(x, 5)).join(', ') },
    ] }));
  const values = byName.shap_values;
  if (!values) return;
  const [, columns, features] = values.shape;
  const explained = byName.shap_output?.data?.[0];
  const out = byName[explained];
  // explain the column the model chose: the largest value of the explained output's first row
  let column = 0;
  if (out && columns > 1) {
    const row = out.data.slice(0, columns);
    column = row.indexOf(Math.max(...row));
  }
  const shap = values.data.slice(column * features, (column + 1) * features);
  const base = byName.shap_base?.data?.[column];
  await drawShap(ui, slot, { shap, base, explained, column, columns, names: null });
}

/**
 * The SHAP values of one explained column as a bar chart (one bar per feature, labelled by `names` or `feature i`),
 * the base + sum line and a table of the values.
 */
async function drawShap(ui, slot, { shap, base, explained, column, columns, names }) {
  const { h } = ui;
  const label = (i) => (names ? names[i] : `feature ${i}`);
  const chartEl = h('div', { class: 'chart', testid: 'shap-chart', role: 'img',
    'aria-label': `SHAP values: ${shap.map((s, i) => `${label(i)} ${ui.num(s)}`).join(', ')}` });
  slot.append(h('h2', {}, `SHAP values for ${explained ?? 'the output'}${columns > 1 ? ` column ${column}` : ''}`),
    h('p', { class: 'muted', testid: 'shap-sum' }, `base ${ui.num(base, 5)} + Σ SHAP ${ui.num(shap.reduce((a, b) => a + b, 0), 5)}`
      + ` = ${ui.num((base ?? 0) + shap.reduce((a, b) => a + b, 0), 5)}`),
    chartEl,
    ui.table({ testid: 'shap-table', rows: shap.map((s, i) => ({ i, s })), columns: [
      { label: 'Feature', render: (x) => (names ? names[x.i] : `${x.i}`) }, { label: 'SHAP', num: true, render: (x) => ui.num(x.s, 5) }] }));
  await ui.chart(chartEl, {
    grid: { left: 8, right: 48, top: 16, bottom: 28, containLabel: true },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: shap.map((_, i) => label(i)), inverse: true },
    series: [{ type: 'bar', name: 'SHAP', data: shap.map((s) => ({ value: s, itemStyle: { color: s >= 0 ? '#c0392b' : '#1f5fbf' } })),
      label: { show: true, position: 'right', formatter: (p) => ui.num(p.value, 3) } }],
  });
}
