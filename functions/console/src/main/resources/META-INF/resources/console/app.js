// The console's shell: routes (History API under /console/), navigation, sign-in, and error pages.
import { api, ApiError, credential, loadConfig, getConfig } from './api.js';
import { ui, h, fill, refocus } from './ui.js';

/** [pattern, view module, area]; {name} captures one path segment. Views are loaded on first use. */
const ROUTES = [
  ['/console/', 'models', 'models'],
  ['/console/models', 'models', 'models'],
  ['/console/models/{model}', 'models', 'models'],
  ['/console/models/{model}/versions/{version}', 'models', 'models'],
  ['/console/deployments', 'deployments', 'deployments'],
  ['/console/deployments/{model}', 'deployments', 'deployments'],
  ['/console/playground/{model}/{version}', 'playground', 'models'],
  ['/console/batch', 'batch', 'batch'],
  ['/console/batch/{id}', 'batch', 'batch'],
  ['/console/features', 'features', 'features'],
  ['/console/features/{view}', 'features', 'features'],
  ['/console/monitoring', 'monitoring', 'monitoring'],
  ['/console/monitoring/{model}/{version}', 'monitoring', 'monitoring'],
  ['/console/experiments', 'experiments', 'experiments'],
  ['/console/experiments/{id}', 'experiments', 'experiments'],
  ['/console/training', 'training', 'training'],
  ['/console/training/{job}', 'training', 'training'],
  ['/console/latency', 'latency', 'latency'],
  ['/console/latency/{model}/{version}', 'latency', 'latency'],
].map(([pattern, view, area]) => {
  const names = [];
  const re = new RegExp(`^${pattern.replace(/\{(\w+)\}/g, (_, n) => { names.push(n); return '([^/]+)'; })}/?$`);
  return { re, names, view, area };
});

export function match(pathname) {
  for (const r of ROUTES) {
    const m = r.re.exec(pathname);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

const main = () => document.getElementById('main');
let generation = 0;

/** Whether the next page drawn is another page than the one the focus is on (its heading takes the focus then). */
let moved = false;

export function navigate(path, { replace = false } = {}) {
  moved = new URL(path, location.href).pathname !== location.pathname;
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  return render();
}

const ctx = { api, ui, navigate };

async function render() {
  const mine = ++generation;
  const url = new URL(location.href);
  const found = match(url.pathname);
  for (const a of document.querySelectorAll('.top nav a')) {
    if (found && a.dataset.area === found.route.area) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  showWho();
  const focused = main().contains(document.activeElement) ? document.activeElement.dataset?.testid : undefined;
  const root = h('div', { class: 'view', testid: found ? `view-${found.route.view}` : 'view-notfound' },
    h('p', { class: 'muted', testid: 'loading' }, 'Loading…'));
  fill(main(), root);
  document.body.dataset.state = 'loading';
  try {
    if (!found) {
      await (await import('./views/notfound.js')).render(root, { query: url.searchParams, path: url.pathname }, ctx);
    } else {
      const view = await import(`./views/${found.route.view}.js`);
      await view.render(root, { ...found.params, query: url.searchParams }, ctx);
    }
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ApiError && err.status === 404) {
      root.dataset.testid = 'view-notfound';
      await (await import('./views/notfound.js')).render(root, { query: url.searchParams, path: url.pathname, error: err }, ctx);
    } else if (err instanceof ApiError && err.status === 401) {
      signIn(root, err);
    } else {
      console.error(err);
      ui.error(root, err);
    }
  }
  if (mine === generation) {
    document.body.dataset.state = 'ready';
    performance.mark('pier:view-drawn', { detail: { render: mine } }); // the view with its data (ConsoleFirstPaintBench)
    document.body.dataset.render = String(mine); // tests wait for a render newer than the one they saw
    const title = root.querySelector('h1');
    document.title = title ? `${title.textContent} · Pier` : 'Pier console';
    // keyboard and screen-reader users land on the new page's heading, not back at the top of the document
    if (moved && !root.contains(document.activeElement)) {
      const target = title || main();
      if (target !== main()) target.tabIndex = -1;
      target.focus({ preventScroll: true });
    } else if (!moved && focused && !root.contains(document.activeElement)) {
      refocus(root, focused); // the same page asked again (a search, a filter): the focus stays where it was
    }
    moved = false;
  }
}

function showWho() {
  const who = document.querySelector('[data-testid="who"]');
  const kind = credential.kind();
  if (!kind) { who.replaceChildren(); return; }
  fill(who, kind === 'api-key' ? 'Signed in with an API key' : `Signed in as ${tokenName()}`,
    h('button', { type: 'button', testid: 'sign-out', onclick: () => { credential.clear(); render(); } }, 'Sign out'));
}

/** Who the bearer token names (Cognito: username or email; else its subject); the API checks the token itself. */
function tokenName() {
  try {
    const token = credential.headers().Authorization.slice('Bearer '.length);
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return claims.username || claims['cognito:username'] || claims.email || claims.sub;
  } catch { return 'a token'; }
}

/** The sign-in page, shown when the API answers 401: Cognito's hosted UI in AWS, an API key locally. */
function signIn(root, err) {
  const config = getConfig();
  root.dataset.testid = 'view-signin';
  const box = h('section', { class: 'signin card' }, h('h1', {}, 'Sign in'));
  if (credential.kind()) box.append(h('div', { class: 'error', role: 'alert', testid: 'error' }, err.message));
  if (config.cognito) {
    box.append(h('p', {}, 'Pier signs you in with the same identity as its API.'),
      h('button', { type: 'button', class: 'primary', testid: 'hosted-ui', onclick: () => hostedUi(config.cognito) },
        'Sign in with your organisation'));
  }
  if (!config.cognito || config.apiKeys) {
    const input = h('input', { type: 'password', name: 'key', autocomplete: 'off', required: true, testid: 'api-key',
      'aria-label': 'API key', placeholder: 'pier_…' });
    box.append(h('form', { testid: 'signin-form', onsubmit: (e) => { e.preventDefault(); credential.setApiKey(input.value); input.value = ''; render(); } },
      h('label', {}, 'API key (kept in this tab only, sent as X-Api-Key)'), input,
      h('button', { type: 'submit', class: 'primary', testid: 'sign-in' }, 'Sign in')));
  }
  fill(root, box);
  box.querySelector('input, button')?.focus();
}

// Cognito hosted UI, authorization code with PKCE (a public client: no secret in the browser).
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function hostedUi(c) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('pier.console.pkce', JSON.stringify({ verifier, back: location.pathname + location.search }));
  const q = new URLSearchParams({ response_type: 'code', client_id: c.clientId, redirect_uri: c.redirectUri,
    scope: c.scope || 'openid email', code_challenge_method: 'S256', code_challenge: challenge });
  location.assign(`${c.domain}/oauth2/authorize?${q}`);
}

async function finishHostedUi(c, code) {
  const saved = JSON.parse(sessionStorage.getItem('pier.console.pkce') || 'null');
  sessionStorage.removeItem('pier.console.pkce');
  if (!saved) return '/console/';
  const r = await fetch(`${c.domain}/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: c.clientId, code, redirect_uri: c.redirectUri,
      code_verifier: saved.verifier }) });
  if (r.ok) credential.setToken((await r.json())[c.tokenUse === 'id' ? 'id_token' : 'access_token']);
  return saved.back || '/console/';
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/console/') || /\.\w+$/.test(url.pathname)) return;
  // a link within this page (the skip link, #errors): the browser scrolls to its target and focuses it
  if (url.hash && url.pathname + url.search === location.pathname + location.search) return;
  e.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', () => { moved = true; render(); });

(async () => {
  const config = await loadConfig();
  const code = new URLSearchParams(location.search).get('code');
  if (config.cognito && code) history.replaceState(null, '', await finishHostedUi(config.cognito, code));
  await render();
})();
