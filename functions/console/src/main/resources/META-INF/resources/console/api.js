// Pier's public API, as the console calls it: the same routes and credentials as curl. Nothing here is console-only.

/** An answer other than 2xx: `message` is the API's own error text (RFC 9457 `detail`, or `error`). */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

const KEY = 'pier.console.api-key';
const TOKEN = 'pier.console.token';
let config = { api: '' };

/** Reads /console/config.json when there is one (in AWS: the API's URL and the Cognito hosted UI). */
export async function loadConfig() {
  try {
    const r = await fetch('/console/config.json', { cache: 'no-cache' });
    if (r.ok) config = { ...config, ...(await r.json()) };
  } catch { /* local: no config file, same origin as the API */ }
  return config;
}

export function getConfig() { return config; }

/** The sign-in credential, kept in sessionStorage only (gone when the tab closes), never shown. */
export const credential = {
  kind() { return sessionStorage.getItem(KEY) ? 'api-key' : sessionStorage.getItem(TOKEN) ? 'token' : null; },
  setApiKey(key) { sessionStorage.removeItem(TOKEN); sessionStorage.setItem(KEY, key.trim()); },
  setToken(token) { sessionStorage.removeItem(KEY); sessionStorage.setItem(TOKEN, token); },
  clear() { sessionStorage.removeItem(KEY); sessionStorage.removeItem(TOKEN); },
  headers() {
    const key = sessionStorage.getItem(KEY);
    if (key) return { 'X-Api-Key': key };
    const token = sessionStorage.getItem(TOKEN);
    return token ? { Authorization: `Bearer ${token}` } : {};
  },
};

function messageOf(status, statusText, body, text) {
  if (body && typeof body === 'object') {
    const m = body.detail || body.error || body.message || body.title;
    if (typeof m === 'string' && m) return m;
    if (m && typeof m === 'object' && m.message) return m.message;
  }
  if (text && text.length < 500 && !text.trimStart().startsWith('<')) return text.trim();
  return `${status} ${statusText || 'error'}`;
}

async function call(method, path, body, extraHeaders = {}) {
  const headers = { Accept: 'application/json', ...credential.headers(), ...extraHeaders };
  const init = { method, headers };
  if (body !== undefined) {
    if (body instanceof FormData) {
      init.body = body;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let response;
  try {
    response = await fetch(config.api + path, init);
  } catch (e) {
    throw new ApiError(0, `Pier's API did not answer (${e.message})`, null);
  }
  const text = await response.text();
  let parsed = null;
  if (text) {
    try { parsed = JSON.parse(text); } catch { parsed = null; }
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(response.status, response.statusText, parsed, text), parsed);
  return parsed ?? (text || null);
}

/** Builds a query string from an object, leaving out empty values; arrays repeat the name. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  get: (path, headers) => call('GET', path, undefined, headers),
  post: (path, body, headers) => call('POST', path, body ?? {}, headers),
  put: (path, body, headers) => call('PUT', path, body ?? {}, headers),
  patch: (path, body, headers) => call('PATCH', path, body ?? {}, headers),
  del: (path, headers) => call('DELETE', path, undefined, headers),
  query,
  /**
   * The permissions the caller holds on `model` (GET /api/v1/me?model=…), as a Set of ids ('approve', 'alias' …):
   * views offer only the actions it allows. A caller the route refuses holds none.
   */
  may: async (model) => {
    try {
      return new Set((await call('GET', `/api/v1/me${query({ model })}`)).permissions || []);
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) return new Set();
      throw err;
    }
  },
};

/** Path segment encoding for names users chose (model names, ids). */
export const seg = (s) => encodeURIComponent(String(s));
