// The overview: insecure devices now, new and fixed this week, findings by severity and by
// kind, the trend of new against fixed, and the district map (a click filters the findings).
import { el, num, label, SEVERITIES } from './format.js';
import { drawMap } from './map.js';
import { lineChart } from './chart.js';

let districtCache = null;
// /api/v1/districts: {districts: [{code, name, devices, insecure_devices, insecure_by_severity,
// insecure_by_kind}], no_district, city_total, suppressed_below}.
export async function loadDistrictReport(api) {
  return api.get('/api/v1/districts');
}
export async function loadDistricts(api, fresh = false) {
  if (!districtCache || fresh) districtCache = (await loadDistrictReport(api)).districts || [];
  return districtCache;
}

export function insecureOf(d) {
  return d.insecure_devices;
}

export function districtValues(districts) {
  return new Map(districts.map((d) => [d.code, insecureOf(d)]));
}

// The sum of a per-day count over the last n days; hidden: some day's count was hidden.
export function lastDays(days, key, n) {
  const recent = days.slice(-n);
  return {
    total: recent.reduce((a, d) => a + (typeof d[key] === 'number' ? d[key] : 0), 0),
    hidden: recent.some((d) => d[key] === null),
  };
}

function counts(obj) {
  // {"high": 3} or [{"key": "high", "count": 3}]
  if (!obj) return new Map();
  if (Array.isArray(obj)) return new Map(obj.map((r) => [r.key, r.count]));
  return new Map(Object.entries(obj));
}

function tile(id, title, value, note) {
  return el('div', { class: 'tile', id },
    el('div', { class: 'tile-title', text: title }),
    el('div', { class: 'tile-value', text: num(value) }),
    note ? el('div', { class: 'tile-note', text: note }) : null);
}

function bars(id, title, map, order, link) {
  const keys = order ? order.filter((k) => map.has(k)).concat([...map.keys()].filter((k) => !order.includes(k))) : [...map.keys()];
  const max = Math.max(1, ...keys.map((k) => map.get(k) || 0));
  return el('section', { class: 'card', 'aria-labelledby': `${id}-title` },
    el('h2', { id: `${id}-title`, text: title }),
    el('table', { class: 'bars', id },
      el('tbody', {}, keys.map((k) => el('tr', { 'data-key': k },
        el('th', { scope: 'row' }, el('a', { href: link(k), text: label(k) })),
        el('td', { class: 'bar' }, el('span', { class: `fill ${id}-${k}`, style: null, 'data-w': String(Math.round(((map.get(k) || 0) * 100) / max)) })),
        el('td', { class: 'n', text: num(map.get(k)) }))))));
}

export async function render(container, ctx) {
  const { api } = ctx;
  const tiles = el('div', { class: 'tiles', id: 'overview-tiles' });
  const mapBox = el('div', { class: 'map-box', id: 'overview-map' });
  const districtTable = el('div', { class: 'table-wrap district-table' });
  const breakdown = el('div', { class: 'grid two' });
  const trendBox = el('div', { class: 'trend', id: 'overview-trend' });
  container.append(
    el('h1', { text: 'Overview' }),
    tiles,
    el('div', { class: 'grid map-grid' },
      el('section', { class: 'card', 'aria-labelledby': 'map-title' },
        el('h2', { id: 'map-title', text: 'Insecure devices by district' }),
        el('p', { class: 'muted', text: 'Choose a district to see its findings.' }), mapBox),
      el('section', { class: 'card', 'aria-labelledby': 'dist-title' }, el('h2', { id: 'dist-title', text: 'Districts with most insecure devices' }), districtTable)),
    breakdown,
    el('section', { class: 'card', 'aria-labelledby': 'trend-title' }, el('h2', { id: 'trend-title', text: 'New and fixed, per day (last 30 days)' }), trendBox));

  async function load() {
    const [stats, trends, report, shapes] = await Promise.all([
      api.get('/api/v1/stats/summary'),
      api.get('/api/v1/trends', { days: 30 }),
      loadDistrictReport(api).catch(() => ({ districts: [], city_total: {} })),
      ctx.districtShapes(),
    ]);
    const districts = report.districts || [];
    districtCache = districts;
    const city = report.city_total || {};
    const days = trends.days || [];
    const fresh = lastDays(days, 'new_findings', 7);
    const fixed = lastDays(days, 'fixed_findings', 7);
    tiles.replaceChildren(
      tile('tile-insecure', 'Insecure devices now', city.insecure_devices, `of ${num(city.devices)} devices in the city`),
      tile('tile-new', 'New this week', fresh.total, 'findings first seen in the last 7 days'),
      tile('tile-fixed', 'Fixed this week', fixed.total, 'findings fixed in the last 7 days'),
      tile('tile-devices', 'Devices seen', stats.devices, `${num(stats.devices_seen_7d)} seen this week`));

    const findingsLink = (k, v) => `#/findings?${new URLSearchParams({ [k]: v, status: 'open,notified,reopened' })}`;
    breakdown.replaceChildren(
      bars('by-severity', 'Insecure devices by their worst problem', counts(city.insecure_by_severity), SEVERITIES, (k) => findingsLink('severity', k)),
      bars('by-kind', 'Insecure devices by kind of problem', counts(city.insecure_by_kind), null, (k) => findingsLink('kind', k)));
    for (const span of breakdown.querySelectorAll('.fill')) span.style.width = `${span.dataset.w}%`;

    if (shapes) {
      drawMap(mapBox, shapes, districtValues(districts), {
        onSelect: (code) => code && ctx.navigate('findings', { district: code }),
        title: 'Districts coloured by insecure devices; choose one to see its findings',
      });
    } else {
      mapBox.replaceChildren(el('p', { class: 'muted', text: 'No district outlines are configured ([geo] districts).' }));
    }
    const top = [...districts].sort((a, b) => (insecureOf(b) || 0) - (insecureOf(a) || 0)).slice(0, 10);
    districtTable.replaceChildren(el('table', { class: 'data', id: 'district-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'District' }), el('th', { scope: 'col', text: 'Insecure devices' }))),
      el('tbody', {}, top.map((d) => el('tr', {},
        el('th', { scope: 'row' }, el('a', { href: `#/findings?district=${encodeURIComponent(d.code)}`, text: d.name || d.code })),
        el('td', { class: 'n', text: num(insecureOf(d)) }))))));

    lineChart(trendBox, {
      title: 'New and fixed findings per day',
      dates: days.map((d) => d.date),
      series: [
        { label: 'New', values: days.map((d) => d.new_findings ?? null), colour: '#b3261e' },
        { label: 'Fixed', values: days.map((d) => d.fixed_findings ?? null), colour: '#1b6e3a', dash: [6, 4] },
        { label: 'Reopened', values: days.map((d) => d.reopened_findings ?? null), colour: '#9a4a00', dash: [2, 3] },
      ],
    });
  }
  await load();
  return { refresh: load };
}
