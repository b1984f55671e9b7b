// The not-found page: an unknown console path, or a model, version, job … the API says does not exist.
export async function render(root, params, { ui }) {
  const { h, fill, link } = ui;
  fill(root,
    h('h1', { testid: 'notfound' }, 'Not found'),
    h('p', {}, params.error ? params.error.message : `There is no console page at ${params.path}.`),
    h('p', {}, link('/console/models', 'Back to the models')));
}
