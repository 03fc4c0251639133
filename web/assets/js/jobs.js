// Scan jobs and every other scheduled job: schedule, state, last runs with their summaries
// (scan deltas: new / changed / gone), and "run now". Feeds' freshness below.
import { el, time, label, num } from './format.js';

export async function render(container, ctx) {
  const { api } = ctx;
  const heading = el('h1', { text: 'Scan jobs and schedules' });
  const tableBox = el('div', { class: 'table-wrap' });
  const runsBox = el('section', { class: 'card', 'aria-labelledby': 'runs-title', hidden: true });
  const feedsBox = el('section', { class: 'card', 'aria-labelledby': 'feeds-title' });
  container.append(heading, el('p', { class: 'muted', text: 'Jobs run on their schedule (UTC). "Run now" queues a run at the next scheduler tick.' }), tableBox, runsBox, feedsBox);
  let selected = null;

  async function load() {
    const [jobs, kinds] = await Promise.all([api.get('/api/v1/jobs'), api.get('/api/v1/job-kinds').catch(() => ({ items: [] }))]);
    const describe = new Map((kinds.items || []).map((k) => [k.kind, k]));
    const rows = (jobs.items || []).map((j) => {
      const state = j.running ? 'running' : j.run_requested ? 'queued' : j.enabled ? 'idle' : 'disabled';
      const run = el('button', {
        type: 'button',
        class: 'small',
        disabled: j.running || j.run_requested || !j.enabled,
        'aria-label': `Run ${j.name} now`,
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            await api.post(`/api/v1/jobs/${encodeURIComponent(j.name)}/run`);
            ctx.status(`${j.name} queued; it starts at the next scheduler tick.`);
          } catch (err) {
            ctx.status(`Could not start ${j.name}: ${err.message}`);
          }
          await load();
        },
      }, 'Run now');
      const show = el('button', { type: 'button', class: 'link', 'aria-expanded': selected === j.name ? 'true' : 'false', onclick: () => showRuns(j.name) }, j.name);
      const kind = describe.get(j.kind);
      return el('tr', { 'data-job': j.name },
        el('th', { scope: 'row' }, show),
        el('td', { title: kind ? kind.description : '' , text: j.kind }),
        el('td', { text: j.schedule }),
        el('td', {}, el('span', { class: `state state-${state}`, text: state })),
        el('td', { text: j.last_status ? `${j.last_status}${j.last_error ? ': ' + j.last_error : ''}` : 'never ran' }),
        el('td', { text: time(j.last_finished || j.last_started) }),
        el('td', { text: j.enabled ? time(j.next_due) : '–' }),
        el('td', {}, run));
    });
    tableBox.replaceChildren(el('table', { class: 'data', id: 'jobs-table' },
      el('caption', { text: 'Scheduled jobs' }),
      el('thead', {}, el('tr', {}, ['Job', 'Kind', 'Schedule', 'State', 'Last result', 'Last run', 'Next run', ''].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 8, text: 'No jobs are configured.' })))));
    if (selected) await showRuns(selected, true);
    await loadFeeds();
  }

  async function showRuns(name, keep) {
    if (selected === name && !keep) {
      selected = null;
      runsBox.hidden = true;
      for (const b of tableBox.querySelectorAll('button[aria-expanded]')) b.setAttribute('aria-expanded', 'false');
      return;
    }
    selected = name;
    for (const b of tableBox.querySelectorAll('button[aria-expanded]')) b.setAttribute('aria-expanded', b.textContent === name ? 'true' : 'false');
    const runs = await api.get(`/api/v1/jobs/${encodeURIComponent(name)}/runs`, { limit: 10 });
    const rows = (runs.items || []).map((r) => el('tr', {},
      el('td', { text: time(r.started_at) }),
      el('td', { text: r.trigger }),
      el('td', {}, el('span', { class: `state state-${r.status}`, text: r.status })),
      el('td', { text: r.finished_at ? duration(r.started_at, r.finished_at) : '–' }),
      el('td', {}, summary(r.summary), r.error ? el('span', { class: 'error', text: r.error }) : null)));
    runsBox.hidden = false;
    runsBox.replaceChildren(el('h2', { id: 'runs-title', text: `Last runs of ${name}` }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
        el('thead', {}, el('tr', {}, ['Started', 'Trigger', 'Status', 'Took', 'Summary (new / changed / gone for scans)'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 5, text: 'No runs yet.' }))))));
  }

  async function loadFeeds() {
    let feeds;
    try {
      feeds = await api.get('/api/v1/feeds');
    } catch {
      feeds = { sources: [] };
    }
    const rows = (feeds.sources || []).map((s) => el('tr', {},
      el('th', { scope: 'row', text: s.source }),
      el('td', { class: 'n', text: num(s.imports) }),
      el('td', { class: 'n', text: num(s.imported) }),
      el('td', { class: 'n', text: num(s.duplicates) }),
      el('td', { class: 'n', text: num(s.rejected) }),
      el('td', { class: 'n', text: num(s.failed) }),
      el('td', { text: time(s.last_success) })));
    feedsBox.replaceChildren(el('h2', { id: 'feeds-title', text: 'Imports by source' }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
        el('thead', {}, el('tr', {}, ['Source', 'Imports', 'Records imported', 'Already stored', 'Rejected', 'Failed imports', 'Last success'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 7, text: 'Nothing imported yet.' }))))));
  }

  await load();
  return { refresh: load };
}

function duration(a, b) {
  const s = Math.max(0, (Date.parse(b) - Date.parse(a)) / 1000);
  return s < 60 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`;
}

function summary(obj) {
  if (!obj || typeof obj !== 'object') return obj ? String(obj) : '';
  const entries = Object.entries(obj).filter(([, v]) => typeof v !== 'object');
  // Scan runs: the delta against the previous run of the scope comes first, its services below.
  const delta = obj.delta && typeof obj.delta === 'object' ? obj.delta : null;
  const lists = delta ? ['new', 'changed', 'gone'].filter((k) => Array.isArray(delta[k])) : [];
  const counts = lists.map((k) => [k, delta[k].length]);
  const kv = el('span', { class: 'kv' }, [...counts, ...entries].map(([k, v]) => el('span', {}, el('b', { text: label(k) + ':' }), ' ' + (typeof v === 'number' ? num(v) : String(v)))));
  const services = lists.flatMap((k) => delta[k].map((s) => el('li', { text: `${k}  ${s}` })));
  if (!services.length) return kv;
  return el('span', {}, kv, el('details', {}, el('summary', { text: 'Services new, changed and gone' }), el('ul', {}, services)));
}
