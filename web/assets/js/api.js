// The dashboard's and the screen's one way to the API. A login session token (POST
// /api/v1/session) is kept in sessionStorage and sent as a bearer token, so no cookie rides
// along on other requests; it ends with the browser tab or at logout.

const TOKEN_KEY = 'citywatch.session';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let session = null;
try {
  session = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
} catch {
  session = null;
}
const listeners = new Set();

export function currentSession() { return session; }
export function onUnauthorized(fn) { listeners.add(fn); }

export function setSession(s) {
  session = s;
  if (s) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(TOKEN_KEY);
}

// A screen token given in the page's fragment (#token=...) instead of a login: the fragment is
// never sent to the server, so the token stays out of access logs.
export function useToken(token, kind = 'api') {
  setSession({ token, kind });
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export async function request(method, path, { params, body, anonymous } = {}) {
  const headers = { Accept: 'application/json' };
  if (session && session.token && !anonymous) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path + query(params), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || 'error', e.message || `HTTP ${res.status}`);
    if (res.status === 401 && !anonymous) for (const fn of listeners) fn(err);
    throw err;
  }
  return data;
}

export const get = (path, params) => request('GET', path, { params });
export const post = (path, body, params) => request('POST', path, { body, params });
export const del = (path, params) => request('DELETE', path, { params });

export async function login(user, password) {
  const r = await request('POST', '/api/v1/session', { body: { user, password }, anonymous: true });
  setSession({ token: r.token, kind: 'session', user: r.user, role: r.role, expires_at: r.expires_at });
  return r;
}

export async function logout() {
  try {
    if (session && session.kind === 'session') await request('DELETE', '/api/v1/session');
  } finally {
    setSession(null);
  }
}

// Every page of a listing, following next_cursor, up to max items.
export async function all(path, params = {}, max = 50000) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(path, { ...params, limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// Whether this server has a route (the index at /api/v1 lists them; features that land later,
// such as partners, show up there first).
export async function exists(path) {
  try {
    const index = await get('/api/v1');
    return (index.routes || []).some((r) => r.method === 'GET' && r.path === path);
  } catch {
    return false;
  }
}
