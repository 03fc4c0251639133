// One device: its fingerprint, where it is and how we know, every finding with its evidence
// and the explanation of its score, and its history (first seen, changes, notifications,
// fixed). Opening it is a device-level read: the server writes it to the audit log.
import { el, time, day, num, label, severityBadge } from './format.js';

const pick = (...vals) => vals.find((v) => v !== undefined && v !== null && v !== '');

function dl(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]));
}

export async function render(container, ctx) {
  const { api, arg } = ctx;
  if (!arg) {
    container.append(el('p', { text: 'No device chosen. Pick one in the findings table.' }));
    return {};
  }
  async function load() {
    let r;
    try {
      r = await api.get(`/api/v1/devices/${encodeURIComponent(arg)}`);
    } catch (e) {
      container.replaceChildren(el('h1', { text: 'Device' }), el('p', { class: 'error', role: 'alert', text: e.status === 404 ? 'No such device (or not one you may see).' : e.status === 403 ? 'Your role may not open device pages.' : e.message }),
        el('p', {}, el('a', { href: '#/findings', text: 'Back to the findings' })));
      return;
    }
    const d = r.device || {};
    const risk = r.risk || {};
    const loc = risk.location || {};
    const fp = d;
    const score = pick(risk.risk_score, d.risk_score);
    const explanation = risk.risk_explanation || {};
    const findings = r.findings || [];

    const header = el('div', { class: 'device-head' },
      el('h1', {}, 'Device ', el('span', { class: 'mono', id: 'device-ip', text: d.ip })),
      score !== undefined ? el('p', { class: 'score', id: 'device-score' }, 'Risk score ', el('strong', { text: String(score) }), ' / 100') : null,
      el('p', {}, el('a', { href: '#/findings', text: '← Back to the findings' })));

    const fingerprint = el('section', { class: 'card', 'aria-labelledby': 'fp-title' },
      el('h2', { id: 'fp-title', text: 'Fingerprint' }),
      dl([
        ['Vendor', fp.vendor], ['Model', fp.model], ['Type', fp.device_type], ['Firmware', fp.firmware],
        ['CPE', fp.cpe ? el('span', { class: 'mono', text: fp.cpe }) : null],
        ['Matched rule', fp.fingerprint_rule],
        ['Host name', d.hostname], ['Organisation', d.org], ['AS', d.asn ? `AS${d.asn}` : null],
        ['First seen', time(d.first_seen)], ['Last seen', time(d.last_seen)],
      ]));

    const where = el('section', { class: 'card', 'aria-labelledby': 'loc-title' },
      el('h2', { id: 'loc-title', text: 'Location' }),
      dl([
        ['In the city', loc.in_city],
        ['District', loc.district_name ? `${loc.district_name}${loc.district_code ? ' (' + loc.district_code + ')' : ''}` : loc.district_code],
        ['City (geolocation)', loc.city],
        ['Point', typeof loc.lat === 'number' ? `${loc.lat.toFixed(4)}, ${loc.lon.toFixed(4)}${loc.accuracy_km ? ' (± ' + loc.accuracy_km + ' km)' : ''}` : null],
        ['How it was located', loc.method ? label(loc.method) : null],
        ['Confidence', typeof loc.confidence === 'number' ? `${Math.round(loc.confidence * 100)} %` : loc.confidence],
        ['Note', loc.note],
      ]));
    if (!where.querySelector('dd')) where.append(el('p', { class: 'muted', text: 'Not located yet.' }));

    const contributions = explanation.contributions || [];
    const scoreBox = el('section', { class: 'card', 'aria-labelledby': 'score-title' },
      el('h2', { id: 'score-title', text: 'Why this score' }),
      contributions.length ? el('table', { class: 'data', id: 'score-table' },
        el('thead', {}, el('tr', {}, ['Finding', 'Points', 'Why'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, contributions.map((c) => el('tr', {},
          el('td', { text: `${label(c.kind)} · ${c.code}${c.port ? ', port ' + c.port : ''}${c.severity ? ' (' + c.severity + ')' : ''}` }),
          el('td', { class: 'n', text: typeof c.points === 'number' ? c.points.toFixed(0) : String(c.points ?? '') }),
          el('td', { text: c.why || '' })))))
        : el('p', { class: 'muted', text: 'No active findings add to the score.' }),
      el('p', { class: 'muted', text: 'Contributions combine like independent chances: each raises the score, none can take it past 100.' }));

    const evidenceById = new Map((r.evidence || []).map((o) => [o.evidence_id, o]));
    const findingsBox = el('section', { class: 'card', 'aria-labelledby': 'findings-title' },
      el('h2', { id: 'findings-title', text: `Findings (${findings.length})` }),
      findings.length ? el('ol', { class: 'finding-list', id: 'device-findings' }, findings.map((f) => findingItem(f, evidenceById))) : el('p', { class: 'muted', text: 'No findings for this device.' }));

    const services = r.services || [];
    const servicesBox = el('section', { class: 'card', 'aria-labelledby': 'svc-title' },
      el('h2', { id: 'svc-title', text: `Services (${services.length})` }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
        el('thead', {}, el('tr', {}, ['Port', 'Protocol', 'Product', 'Version', 'Authentication', 'First seen', 'Last seen'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, services.map((s) => el('tr', {},
          el('td', { class: 'n', text: `${s.port}/${s.transport}` }), el('td', { text: s.protocol }), el('td', { text: s.product }),
          el('td', { text: s.version }), el('td', { text: s.auth }), el('td', { text: time(s.first_seen) }), el('td', { text: time(s.last_seen) })))))));

    const evidenceBox = el('section', { class: 'card', 'aria-labelledby': 'ev-title' },
      el('h2', { id: 'ev-title', text: 'Newest evidence' }),
      el('ol', { class: 'evidence-list', id: 'device-evidence' }, (r.evidence || []).map(evidenceItem)));

    container.replaceChildren(header, el('div', { class: 'grid two' }, fingerprint, where), findingsBox, scoreBox,
      timeline(r, findings), servicesBox, evidenceBox);
  }
  await load();
  return { refresh: load };
}

function findingItem(f, evidenceById) {
  const refs = f.evidence || [];
  const cves = f.cves || [];
  return el('li', { class: 'finding', 'data-finding': f.id },
    el('div', { class: 'finding-head' }, severityBadge(f.severity), ' ',
      el('strong', { text: label(f.kind) }), ` · ${f.code || ''}`, f.port ? ` · port ${f.port}` : '',
      ` · ${f.status || ''}`, f.confidence ? ` · ${f.confidence}` : '',
      f.exempt || f.exemption ? el('span', { class: 'tag', text: 'exempt' }) : null),
    el('p', { text: f.sentence || '' }),
    cves.length ? el('p', {}, 'CVEs: ', cves.map((c, i) => [i ? ', ' : '', el('span', { class: 'mono', text: c.id || c }), c.kev ? ' (KEV)' : '', c.cvss ? ` CVSS ${c.cvss}` : ''])) : null,
    f.explanation || f.why ? el('p', { class: 'muted', text: f.explanation || f.why }) : null,
    refs.length ? el('details', {}, el('summary', { text: `Evidence (${refs.length})` }),
      el('ul', {}, refs.map((ref) => {
        const id = typeof ref === 'string' ? ref : ref.evidence_id;
        const obs = typeof ref === 'object' ? ref : evidenceById.get(id);
        return el('li', {}, el('span', { class: 'mono', text: id }), obs && obs.excerpt ? el('pre', { class: 'excerpt', text: obs.excerpt }) : null);
      }))) : null,
    f.first_seen ? el('p', { class: 'muted', text: `First seen ${time(f.first_seen)}, last seen ${time(f.last_seen)}` }) : null);
}

function evidenceItem(o) {
  return el('li', {},
    el('div', {}, el('strong', { text: o.source }), ` ${o.kind} · ${time(o.observed_at)} · port ${o.port}/${o.transport}`,
      o.product ? ` · ${o.product}${o.version ? ' ' + o.version : ''}` : ''),
    el('div', { class: 'mono muted', text: o.evidence_id }),
    o.excerpt ? el('pre', { class: 'excerpt', text: o.excerpt }) : null);
}

// First seen, finding events (opened, notified, fixed, reopened, exempted), and the days the
// device was observed, newest first.
function timeline(r, findings) {
  const events = [];
  const d = r.device || r;
  if (d.first_seen) events.push({ at: d.first_seen, text: 'First seen' });
  // Opened, seen again, notified, fixed, reopened, gone, exempted: each finding's events.
  for (const h of r.finding_history || []) {
    const e = h.event || {};
    // When the evidence was seen, not when we processed it.
    events.push({ at: e.observed_at || e.at, text: `${label(e.event)}: ${label(h.kind)} (${h.code}${h.port ? ', port ' + h.port : ''})${e.status ? ' → ' + e.status : ''}${e.note ? ' · ' + e.note : ''}` });
  }
  void findings;
  for (const h of r.history || []) {
    events.push({ at: h.date + 'T00:00:00Z', text: `Seen by ${(h.sources || []).join ? h.sources.join(', ') : h.sources}: ${num(h.observations)} observations, ports ${(h.ports || []).join ? h.ports.join(', ') : h.ports}`, quiet: true });
  }
  events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return el('section', { class: 'card', 'aria-labelledby': 'tl-title' },
    el('h2', { id: 'tl-title', text: 'History' }),
    el('ol', { class: 'timeline', id: 'device-timeline' }, events.slice(0, 200).map((e) => el('li', { class: e.quiet ? 'quiet' : '' },
      el('time', { datetime: e.at, text: e.quiet ? day(e.at) : time(e.at) }), ' ', e.text))));
}
