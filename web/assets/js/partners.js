// Partners (telecom operators) and the batches of findings sent to them: delivered,
// acknowledged, failed, feedback, and what got fixed after notification (GET /api/v1/partners
// and /api/v1/batches; the nav item shows when the server has those routes).
import { el, time, num, label } from './format.js';

export async function render(container, ctx) {
  const { api } = ctx;
  container.append(el('h1', { text: 'Partners and batches' }));
  let partners;
  try {
    partners = await api.get('/api/v1/partners');
  } catch (e) {
    container.append(el('p', { class: 'muted', text: e.status === 404
      ? 'Partner notification is not part of this server yet.'
      : `Could not load partners: ${e.message}` }));
    return {};
  }
  const pBox = el('div', { class: 'table-wrap' });
  const bBox = el('section', { class: 'card', 'aria-labelledby': 'batches-title' });
  container.append(pBox, bBox);

  async function load() {
    partners = await api.get('/api/v1/partners');
    const items = partners.items;
    pBox.replaceChildren(el('table', { class: 'data', id: 'partners-table' },
      el('caption', { text: 'Partners: the effect of notification' }),
      el('thead', {}, el('tr', {}, ['Partner', 'Findings sent', 'Delivered', 'Acknowledged', 'Failed', 'Fixed after notice', 'Median days to fix'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, items.length ? items.map((p) => {
        const s = p.stats;
        return el('tr', { 'data-partner': p.name },
          el('th', { scope: 'row', text: p.name }),
          el('td', { class: 'n', text: num(s.findings_sent) }),
          el('td', { class: 'n', text: num(s.delivered) }),
          el('td', { class: 'n', text: num(s.acknowledged) }),
          el('td', { class: 'n', text: num(s.failed) }),
          el('td', { class: 'n', text: num(s.fixed_after_notice) }),
          el('td', { class: 'n', text: s.median_days_to_fix == null ? '–' : Number(s.median_days_to_fix).toFixed(1) }));
      }) : el('tr', {}, el('td', { colspan: 7, text: 'No partners configured.' })))));
    let batches = { items: [] };
    try {
      batches = await api.get('/api/v1/batches', { limit: 50 });
    } catch { /* shown as empty */ }
    bBox.replaceChildren(el('h2', { id: 'batches-title', text: 'Recent batches' }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'data', id: 'batches-table' },
        el('thead', {}, el('tr', {}, ['Batch', 'Partner', 'Created', 'Items', 'Status', 'Delivered', 'Acknowledged', 'Feedback'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, (batches.items || []).length ? batches.items.map((b) => el('tr', { 'data-batch': b.id },
          el('th', { scope: 'row', text: b.id }),
          el('td', { text: b.partner }),
          el('td', { text: time(b.created_at) }),
          el('td', { class: 'n', text: num(b.items) }),
          el('td', { text: label(b.status) }),
          el('td', { text: time(b.delivered_at) }),
          el('td', { text: time(b.acknowledged_at) }),
          el('td', { text: feedbackText(b.feedback) }))) : el('tr', {}, el('td', { colspan: 8, text: 'No batches yet.' }))))));
  }
  await load();
  return { refresh: load };
}

// {"fixed": 2, "dispute": 1} -> "2 fixed, 1 dispute"
function feedbackText(counts) {
  return Object.entries(counts || {}).map(([status, n]) => `${n} ${status.replace(/-/g, ' ')}`).join(', ');
}
