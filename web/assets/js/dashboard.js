// The CISO dashboard: login, navigation by the URL fragment (#/findings?district=WK051828),
// and live updates. Each view is a module with render(container, ctx) that may return
// {refresh, dispose}; refresh() is called when the poll sees new data.
import * as api from './api.js';
import { el, clear } from './format.js';
import * as overview from './overview.js';
import * as findings from './findings.js';
import * as device from './device.js';
import * as jobs from './jobs.js';
import * as partners from './partners.js';

const VIEWS = { overview, findings, device, jobs, partners };
// How often the dashboard looks for new data; a test may shorten it (localStorage).
const POLL_MS = Math.max(500, Number(localStorage.getItem('citywatch.poll_ms')) || 15000);

const $ = (id) => document.getElementById(id);
let current = null;  // {name, handle}
let me = null;
let pollTimer = null;
let lastStamp = null;
let geoPromise = null;

function status(text) {
  $('status').textContent = text;
}

function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, q] = h.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || 'overview', arg: parts[1] || null, params: new URLSearchParams(q || '') };
}

export function navigate(name, params = {}, arg = null) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  location.hash = `#/${name}${arg ? '/' + encodeURIComponent(arg) : ''}${s ? '?' + s : ''}`;
}

// The district outlines, fetched once: the configured district GeoJSON, served by the daemon.
function districtShapes() {
  if (!geoPromise) {
    geoPromise = fetch('/assets/geo/districts.geojson', { cache: 'no-cache' })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return geoPromise;
}

function showLogin(message) {
  stopPolling();
  if (current && current.handle && current.handle.dispose) current.handle.dispose();
  current = null;
  me = null;
  $('nav').hidden = true;
  $('who').hidden = true;
  clear($('view'));
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-user').focus();
}

async function start() {
  try {
    me = await api.get('/api/v1/me');
  } catch (e) {
    showLogin(e.status === 401 ? '' : e.message);
    return;
  }
  if (me.role !== 'admin' && me.role !== 'analyst') {
    // Partners and screens have their own views; the dashboard's device pages are not theirs.
    api.setSession(null);
    showLogin(`The dashboard is for the city's CISO team; a ${me.role} account cannot open it.` +
      (me.role === 'screen' ? ' Open /screen instead.' : ''));
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('who-name').textContent = `${me.user} (${me.role})`;
  try {
    const s = await api.get('/api/v1/stats/summary');
    if (s.city) {
      $('city-name').textContent = `citywatch · ${s.city}`;
      document.title = `citywatch · ${s.city}`;
    }
  } catch { /* the header keeps its plain name */ }
  api.exists('/api/v1/partners').then((yes) => { $('nav-partners').hidden = !yes; });
  await route();
  startPolling();
}

async function route() {
  if (!me) return;
  const { name, arg, params } = parseHash();
  const view = VIEWS[name] ? name : 'overview';
  if (current && current.handle && current.handle.dispose) current.handle.dispose();
  for (const a of document.querySelectorAll('#nav a[data-view]')) {
    const on = a.dataset.view === view || (view === 'device' && a.dataset.view === 'findings');
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const container = clear($('view'));
  container.dataset.view = view;
  const ctx = { me, arg, params, navigate, districtShapes, status, api };
  current = { name: view };
  try {
    current.handle = await VIEWS[view].render(container, ctx);
  } catch (e) {
    if (e.status === 401) return;
    container.append(el('p', { class: 'error', role: 'alert', text: `Could not load this view: ${e.message}` }));
  }
}

// Live updates: a cheap poll of the cached summary; when it changes the view refreshes itself.
async function poll() {
  try {
    // New data is a new import (files, feeds, captures all come in as imports) or changed
    // counts (a sweep, an exemption made elsewhere).
    const [s, imports] = await Promise.all([
      api.get('/api/v1/stats/summary'),
      api.get('/api/v1/imports', { limit: 1 }).catch(() => ({ items: [] })),
    ]);
    const newest = imports.items && imports.items[0];
    const stamp = JSON.stringify({ ...s, generated_at: null, import: newest ? [newest.id, newest.status] : null });
    if (lastStamp !== null && stamp !== lastStamp && current && current.handle && current.handle.refresh) {
      await current.handle.refresh();
      status('New data arrived; this view is up to date.');
    }
    lastStamp = stamp;
  } catch { /* the next poll tries again; a 401 already showed the login */ }
}

function startPolling() {
  stopPolling();
  lastStamp = null;
  poll();
  pollTimer = setInterval(poll, POLL_MS);
}
function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

api.onUnauthorized(() => {
  api.setSession(null);
  showLogin('Your session has ended; please log in again.');
});

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  $('login-error').textContent = '';
  if (!user || !password) {
    $('login-error').textContent = 'Enter your user name and password.';
    return;
  }
  try {
    await api.login(user, password);
    $('login-password').value = '';
    await start();
  } catch (err) {
    $('login-error').textContent = err.status === 401 ? 'Wrong user name or password.' : err.message;
  }
});

$('logout').addEventListener('click', async () => {
  await api.logout().catch(() => {});
  showLogin('You are logged out.');
});

window.addEventListener('hashchange', () => {
  route().then(() => $('main').focus({ preventScroll: true }));
});

if (api.currentSession()) start();
else showLogin();
