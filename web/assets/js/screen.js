// The City Hall screen: readable from across the room, aggregates only. It shows the district
// map, counts by category, the trend of fixed devices and a rotating tip for residents. The
// server answers the screen role with counts alone (no address, host name, device or
// coordinate finer than a district) and hides counts below its threshold; this page only
// draws what it gets. A screen token comes in the fragment (/screen#token=cwt_...), which
// browsers never send to a server; with server.screen_public no token is needed.
import * as api from './api.js';
import { el, num, label } from './format.js';
import { drawMap } from './map.js';
import { lineChart } from './chart.js';

const REFRESH_MS = 60000;
const TIP_MS = 12000;
const TIPS = [
  'Change the password your camera, router or smart plug came with. A default password is the first thing attackers try.',
  'Install updates for your router and smart devices. Turn on automatic updates where you can.',
  'Does your camera need to be reachable from the internet? Switch off remote access you do not use.',
  'Old device that no longer gets updates? Replace it, or keep it off the internet.',
  'Your internet provider may contact you about an insecure device. The message is real if it names your own device and asks nothing but to fix it.',
  'Use a different, long password for each device. A password manager helps.',
  'Solar inverters, doorbells and thermostats are computers too. Check their settings and updates.',
  'Not sure how? Ask your provider or the shop that sold the device. The municipality helps too: see the city website for advice on secure devices.',
];

const $ = (id) => document.getElementById(id);
let tipIndex = 0;
let shapes = null;

function takeTokenFromFragment() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    api.useToken(decodeURIComponent(m[1]), 'screen');
    history.replaceState(null, '', location.pathname);  // out of the address bar and history
  }
}

function showError(text) {
  const box = $('screen-error');
  box.hidden = !text;
  box.textContent = text || '';
}

async function refresh() {
  let report, trends;
  try {
    [report, trends] = await Promise.all([
      api.get('/api/v1/districts'),
      api.get('/api/v1/trends', { days: 30 }),
    ]);
  } catch (e) {
    showError(e.status === 401 || e.status === 403
      ? 'This screen needs a screen token: open /screen#token=… (citywatch tokens create --role screen).'
      : `No fresh data (${e.message}); showing the last figures.`);
    return;
  }
  showError('');
  const hidden = report.suppressed_below;
  const city = report.city_total || {};
  if (report.city) $('screen-city').textContent = `in ${report.city}`;
  $('screen-updated').textContent = `Updated ${new Date(report.generated_at || Date.now()).toLocaleString('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'long' })}`;

  const days = trends.days || [];
  const week = days.slice(-7);
  const fixedWeek = week.reduce((a, d) => a + (typeof d.fixed_findings === 'number' ? d.fixed_findings : 0), 0);
  const someHidden = week.some((d) => d.fixed_findings === null);
  $('screen-totals').replaceChildren(
    el('div', { class: 'total' }, el('span', { class: 'big', id: 'screen-insecure', text: num(city.insecure_devices, hidden, true) }), el('span', { text: 'insecure devices now' })),
    el('div', { class: 'total good' }, el('span', { class: 'big', id: 'screen-fixed', text: (someHidden && fixedWeek ? '≥ ' : '') + (someHidden && !fixedWeek ? `< ${hidden}` : num(fixedWeek)) }), el('span', { text: 'problems fixed this week' })));

  const categories = Object.entries(city.insecure_by_kind || {});
  $('screen-categories').replaceChildren(...categories.map(([k, v]) => el('li', {},
    el('span', { class: 'cat-count', text: num(v, hidden, true) }), el('span', { class: 'cat-name', text: plainKind(k) }))));

  const items = (report.districts || []).map((d) => [d.code, d.insecure_devices]);
  if (shapes) {
    drawMap($('screen-map-box'), shapes, new Map(items), { hiddenBelow: hidden, title: 'Insecure devices per district' });
  }

  lineChart($('screen-trend-box'), {
    title: 'Problems fixed per day',
    big: true,
    height: Math.max(200, Math.round(window.innerHeight * 0.22)),
    dates: days.map((d) => d.date),
    series: [{ label: 'Fixed', values: days.map((d) => d.fixed_findings ?? null), colour: '#6fd39a', fill: 'rgba(111,211,154,0.18)' }],
  });
  $('screen-foot').textContent = hidden
    ? `Counts below ${hidden} are not shown, so no single home or business can be picked out. Open data: /api/v1/open-data/districts.csv`
    : 'Open data: /api/v1/open-data/districts.csv';
}

function plainKind(k) {
  return {
    'no-auth': 'open to anyone, no password',
    'default-password': 'factory password still set',
    vulnerable: 'outdated, known security holes',
    'exposed-service': 'risky service open to the internet',
    infected: 'showing signs of infection',
  }[k] || label(k);
}

function nextTip() {
  $('screen-tip').textContent = TIPS[tipIndex % TIPS.length];
  tipIndex++;
}

async function main() {
  takeTokenFromFragment();
  shapes = await fetch('/assets/geo/districts.geojson').then((r) => (r.ok ? r.json() : null)).catch(() => null);
  nextTip();
  setInterval(nextTip, TIP_MS);
  await refresh();
  document.body.dataset.ready = 'true';  // the first figures are drawn (tests wait on this)
  setInterval(refresh, REFRESH_MS);
}

main();
