// The findings table: filters (district, kind, severity, score, status, vendor, operator, last
// seen), sorted by any column (newest first until one is chosen), filtering, sorting and paging
// done by the server, CSV export of everything the filters match, and
// exemptions (reason and expiry). The district map above it filters by a click.
import { el, time, num, label, severityBadge, csv, download, SEVERITIES } from './format.js';
import { drawMap } from './map.js';
import { districtValues, loadDistricts } from './overview.js';

export const KINDS = ['no-auth', 'default-password', 'vulnerable', 'exposed-service', 'infected'];
export const STATUSES = ['open', 'notified', 'reopened', 'fixed', 'verified', 'gone'];
const PAGE = 50;
const REASONS = [
  ['not-ours', 'Not a device of a resident or business we can reach'],
  ['research-honeypot', 'A research honeypot'],
  ['accepted-risk', 'Risk accepted by the owner'],
];

// The table's columns: title, sort key on the server, the cell.
const COLUMNS = [
  { title: 'Severity', sort: 'severity', cell: (f) => severityBadge(f.severity) },
  { title: 'Kind', sort: 'kind', cell: (f) => el('span', {}, label(f.kind), el('br'), el('small', { class: 'muted', text: f.code || '' })) },
  { title: 'Device', sort: 'ip', cell: (f) => el('a', { href: `#/device/${encodeURIComponent(f.ip)}`, class: 'mono', text: f.port ? `${f.ip} :${f.port}` : f.ip }) },
  { title: 'District', sort: 'district', cell: (f) => dev(f).district_name || dev(f).district_code || (dev(f).in_city === 'no' ? 'outside the city' : '–') },
  { title: 'Score', sort: 'score', cell: (f) => String(dev(f).risk_score ?? '–'), numeric: true },
  { title: 'Status', sort: 'status', cell: (f) => [label(f.status), f.exempt ? el('span', { class: 'tag', title: `exempt: ${f.exempt}`, text: 'exempt' }) : null] },
  { title: 'First seen', sort: 'first_seen', cell: (f) => time(f.first_seen) },
  { title: 'Last seen', sort: 'last_seen', cell: (f) => time(f.last_seen) },
];

// The device a finding is on: district and score come with each finding.
const dev = (f) => f.device || {};

const FILTERS = ['district', 'kind', 'severity', 'min_score', 'status', 'vendor', 'operator', 'since', 'until'];

export async function render(container, ctx) {
  const { api, params } = ctx;
  const state = { sort: params.get('sort') || '', order: params.get('order') || 'desc' };
  for (const k of FILTERS) state[k] = params.get(k) || '';
  let cursors = [null];  // the cursor of each page shown so far
  let page = 0;

  const districts = await loadDistricts(api).catch(() => []);
  const shapes = await ctx.districtShapes();

  const form = el('form', { class: 'filters', id: 'findings-filters', 'aria-label': 'Filter the findings' });
  const field = (id, text, input) => el('div', { class: 'field' }, el('label', { for: id, text }), input);
  const select = (name, options, any = 'Any') => el('select', { id: `f-${name}`, name },
    el('option', { value: '', text: any }), options.map(([v, t]) => el('option', { value: v, text: t, selected: state[name] === v })));
  form.append(
    field('f-district', 'District', select('district', districts.map((d) => [d.code, d.name || d.code]))),
    field('f-kind', 'Kind', select('kind', KINDS.map((k) => [k, label(k)]))),
    field('f-severity', 'Severity', select('severity', SEVERITIES.map((s) => [s, label(s)]))),
    field('f-min_score', 'Minimum score', el('input', { id: 'f-min_score', name: 'min_score', type: 'number', min: 0, max: 100, inputmode: 'numeric', value: state.min_score })),
    field('f-status', 'Status', select('status', [['open,notified,reopened', 'Active (open, notified, reopened)'], ...STATUSES.map((s) => [s, label(s)])])),
    field('f-vendor', 'Vendor', el('input', { id: 'f-vendor', name: 'vendor', type: 'text', placeholder: 'e.g. Hikvision', value: state.vendor })),
    field('f-operator', 'Operator (name or AS)', el('input', { id: 'f-operator', name: 'operator', type: 'text', placeholder: 'e.g. AS1136', value: state.operator })),
    field('f-since', 'Last seen from', el('input', { id: 'f-since', name: 'since', type: 'date', value: state.since })),
    field('f-until', 'Last seen before', el('input', { id: 'f-until', name: 'until', type: 'date', value: state.until })),
    el('div', { class: 'field actions' },
      el('button', { type: 'submit', text: 'Apply' }),
      el('button', { type: 'button', class: 'secondary', onclick: () => { for (const k of FILTERS) state[k] = ''; sync(); } }, 'Clear'),
      el('button', { type: 'button', class: 'secondary', id: 'export-csv', onclick: exportCsv }, 'Export CSV')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    for (const k of FILTERS) state[k] = String(data.get(k) || '').trim();
    sync();
  });
  form.addEventListener('change', (e) => {
    if (e.target.tagName === 'SELECT' || e.target.type === 'date') form.requestSubmit();
  });

  const mapBox = el('div', { class: 'map-box small', id: 'findings-map' });
  const summary = el('p', { class: 'summary', id: 'findings-summary', 'aria-live': 'polite' });
  const tableBox = el('div', { class: 'table-wrap' });
  const pager = el('nav', { class: 'pager', 'aria-label': 'Pages of findings' });
  container.append(el('h1', { text: 'Findings' }),
    el('div', { class: 'findings-top' }, shapes ? el('section', { class: 'card', 'aria-label': 'Filter by district' }, el('h2', { text: 'Districts' }), mapBox) : null, form),
    summary, tableBox, pager, exemptDialog());

  function sync() {
    // The URL carries the filters, so a view can be bookmarked and shared.
    const p = {};
    for (const k of [...FILTERS, 'sort', 'order']) if (state[k]) p[k] = state[k];
    ctx.navigate('findings', p);
  }

  function query() {
    const q = {};
    for (const k of FILTERS) if (state[k]) q[k] = state[k];
    if (state.sort) {
      q.sort = state.sort;
      q.order = state.order;
    }
    return q;
  }

  async function drawDistricts() {
    if (!shapes) return;
    const fresh = await loadDistricts(api, true).catch(() => districts);
    drawMap(mapBox, shapes, districtValues(fresh), {
      selected: state.district || null,
      onSelect: (code) => { state.district = code || ''; sync(); },
      title: 'Districts: choose one to filter the findings',
    });
  }

  async function load() {
    let r;
    try {
      r = await api.get('/api/v1/findings', { ...query(), limit: PAGE, cursor: cursors[page] });
    } catch (e) {
      tableBox.replaceChildren(el('p', { class: 'error', role: 'alert', text: `Could not load findings: ${e.message}` }));
      return;
    }
    const items = r.items || [];
    cursors = cursors.slice(0, page + 1);
    if (r.next_cursor) cursors.push(r.next_cursor);
    const filtered = FILTERS.filter((k) => state[k]).map((k) => `${label(k)}: ${k === 'district' ? (districts.find((d) => d.code === state[k]) || {}).name || state[k] : state[k]}`);
    const total = r.total ?? r.count;
    summary.textContent = `${total !== undefined ? num(total) + ' findings' : `Page ${page + 1}`}${filtered.length ? ' · filtered by ' + filtered.join(', ') : ' · all findings'}`;
    tableBox.replaceChildren(table(items));
    pager.replaceChildren(
      el('button', { type: 'button', class: 'secondary', disabled: page === 0, onclick: () => { page--; load(); } }, '← Previous'),
      el('span', { text: ` Page ${page + 1} ` }),
      el('button', { type: 'button', class: 'secondary', id: 'next-page', disabled: !r.next_cursor, onclick: () => { page++; load(); } }, 'Next →'));
  }

  function table(items) {
    const head = COLUMNS.map((c) => {
      const active = state.sort === c.sort;
      const th = el('th', { scope: 'col', 'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : null });
      th.append(el('button', { type: 'button', class: 'sort', onclick: () => {
        state.order = active && state.order === 'desc' ? 'asc' : 'desc';
        state.sort = c.sort;
        sync();
      } }, c.title, el('span', { 'aria-hidden': 'true', text: active ? (state.order === 'asc' ? ' ▲' : ' ▼') : '' })));
      return th;
    });
    head.push(el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: 'Actions' })));
    const rows = items.map((f) => el('tr', { 'data-finding': f.id, 'data-district': dev(f).district_code || '' },
      COLUMNS.map((c) => el('td', { class: c.numeric ? 'n' : '' }, c.cell(f))),
      el('td', {}, f.exempt ? el('button', { type: 'button', class: 'small secondary', onclick: () => unexempt(f) }, 'Lift exemption')
        : el('button', { type: 'button', class: 'small', 'aria-label': `Exempt finding ${f.id} (${label(f.kind)} on ${f.ip})`, onclick: () => openExempt(f) }, 'Exempt'))));
    return el('table', { class: 'data', id: 'findings-table' },
      el('caption', { class: 'visually-hidden', text: 'Findings' }),
      el('thead', {}, el('tr', {}, head)),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: COLUMNS.length + 1, text: 'No findings match these filters.' }))));
  }

  async function exportCsv() {
    const button = container.querySelector('#export-csv');
    button.disabled = true;
    ctx.status('Preparing the CSV export…');
    try {
      const rows = await api.all('/api/v1/findings', query());
      const cols = [
        ['id', (f) => f.id], ['ip', (f) => f.ip], ['port', (f) => f.port], ['kind', (f) => f.kind], ['code', (f) => f.code],
        ['severity', (f) => f.severity], ['confidence', (f) => f.confidence], ['status', (f) => f.status], ['exempt', (f) => f.exempt || ''],
        ['risk_score', (f) => dev(f).risk_score], ['in_city', (f) => dev(f).in_city], ['district_code', (f) => dev(f).district_code],
        ['district', (f) => dev(f).district_name], ['cves', (f) => (f.cves || []).map((c) => c.id + (c.kev ? ' (KEV)' : '')).join(' ')],
        ['first_seen', (f) => f.first_seen], ['last_seen', (f) => f.last_seen], ['evidence', (f) => (f.evidence || []).join(' ')],
        ['sentence', (f) => f.sentence],
      ].map(([title, value]) => ({ title, value }));
      const stamp = new Date().toISOString().slice(0, 10);
      download(`citywatch-findings-${stamp}${state.district ? '-' + state.district : ''}.csv`, csv(rows, cols));
      ctx.status(`Exported ${num(rows.length)} findings as CSV.`);
    } catch (e) {
      ctx.status(`The export failed: ${e.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // The exemption dialog (a native <dialog>: focus stays inside, Escape closes it).
  function exemptDialog() {
    const until = new Date(Date.now() + 90 * 86400000).toISOString().slice(0, 10);
    return el('dialog', { id: 'exempt-dialog', 'aria-labelledby': 'exempt-title' },
      el('form', { method: 'dialog', id: 'exempt-form' },
        el('h2', { id: 'exempt-title', text: 'Exempt a finding' }),
        el('p', { id: 'exempt-what', class: 'muted' }),
        el('fieldset', {}, el('legend', { text: 'Reason' }), REASONS.map(([v, t], i) => el('label', { class: 'radio' },
          el('input', { type: 'radio', name: 'reason', value: v, checked: i === 0 }), ' ', t))),
        el('label', { for: 'exempt-note', text: 'Note (who decided, ticket, …)' }),
        el('textarea', { id: 'exempt-note', name: 'note', rows: 2, maxlength: 500 }),
        el('label', { for: 'exempt-until', text: 'Exempt until' }),
        el('input', { id: 'exempt-until', name: 'until', type: 'date', required: true, value: until }),
        el('p', { id: 'exempt-error', class: 'error', role: 'alert' }),
        el('div', { class: 'actions' },
          el('button', { type: 'submit', value: 'save', id: 'exempt-save' }, 'Exempt'),
          el('button', { type: 'submit', value: 'cancel', class: 'secondary', formnovalidate: true }, 'Cancel'))));
  }

  function openExempt(f) {
    const dialog = container.querySelector('#exempt-dialog');
    const form = dialog.querySelector('form');
    dialog.querySelector('#exempt-what').textContent = `${label(f.kind)} (${f.code}) on ${f.ip}${f.port ? ':' + f.port : ''}: ${f.sentence || ''}`;
    dialog.querySelector('#exempt-error').textContent = '';
    form.onsubmit = async (e) => {
      if (e.submitter && e.submitter.value === 'cancel') return;
      e.preventDefault();
      const data = new FormData(form);
      const body = { reason: data.get('reason'), until: data.get('until') };
      const note = String(data.get('note') || '').trim();
      if (note) body.note = note;
      try {
        await api.post(`/api/v1/findings/${encodeURIComponent(f.id)}/exemptions`, body);
        dialog.close();
        ctx.status(`Finding ${f.id} is exempt until ${body.until}.`);
        await load();
      } catch (err) {
        dialog.querySelector('#exempt-error').textContent = err.message;
      }
    };
    dialog.showModal();
  }

  async function unexempt(f) {
    try {
      // The finding's own exemptions in force (a whole-device exemption is lifted elsewhere).
      const detail = await api.get(`/api/v1/findings/${encodeURIComponent(f.id)}`);
      const active = (detail.exemptions || []).filter((x) => x.active && !x.whole_device);
      if (!active.length) throw new Error('the whole device is exempt, not this finding alone');
      for (const x of active) await api.del(`/api/v1/exemptions/${encodeURIComponent(x.id)}`);
      ctx.status(`The exemption of finding ${f.id} is lifted.`);
      await load();
    } catch (e) {
      ctx.status(`Could not lift the exemption: ${e.message}`);
    }
  }

  await Promise.all([load(), drawDistricts()]);
  return { refresh: () => Promise.all([load(), drawDistricts()]) };
}
