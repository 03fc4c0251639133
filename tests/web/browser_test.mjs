// The dashboard and the City Hall screen in a real browser: Debian's chromium, headless,
// driven by playwright-core, against a real `citywatch serve` on 127.0.0.1 whose SQLite
// database was filled by the real import commands from the bundled The Hague demo. Waits on
// selectors and responses, never on time. Screenshots of each view go to CITYWATCH_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { World, loadPlaywright, launch, ARTIFACTS, addressesIn, SOURCE, run } from './harness.mjs';

const PASSWORD = 'browser-test-password-1';
const MIN_COUNT = 3;
let world, browser, admin, screenToken;

before(async () => {
  const pw = loadPlaywright();  // fails, saying how to install, when chromium or playwright-core is missing
  world = new World();
  world.build(`
[notify]
schedule = ""
[server]
screen_min_count = ${MIN_COUNT}
aggregate_cache_seconds = 0
web_dir = "${path.join(SOURCE, 'web')}"
[geo]
boundary = "${path.join(SOURCE, 'data/geo/gm0518_s-gravenhage_2023.geojson')}"
districts = "${path.join(SOURCE, 'data/geo/gm0518_wijken_2023.geojson')}"
prefix_map = "${path.join(SOURCE, 'data/demo/prefix-map.csv')}"
municipal_ranges = ["203.0.113.240/28"]
`);
  world.user('ciso', 'admin', PASSWORD);
  world.partner('isp-demo', '198.51.100.0/24');
  world.user('isp-user', 'partner', PASSWORD, ['--partner', 'isp-demo']);
  world.user('hallscreen', 'screen', PASSWORD);
  admin = world.token('ciso', 'admin');
  screenToken = world.token('hallscreen', 'screen');
  await world.serve();
  browser = await launch(pw);
});

after(async () => {
  if (browser) await browser.close();
  if (world) await world.stop();
});

async function newPage(viewport = { width: 1366, height: 768 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function login(page, user) {
  await page.goto(world.url + '/');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
}

test('a wrong password is refused and the right one opens the overview', async () => {
  const page = await newPage();
  await page.goto(world.url + '/');
  await page.getByLabel('User name').fill('ciso');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Wrong user name or password.').waitFor();
  await login(page, 'ciso');
  await page.locator('#overview-tiles .tile').first().waitFor();
  assert.equal(await page.locator('#nav-partners').isVisible(), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the overview shows the numbers the API and the CLI give', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  await page.locator('#overview-map path.district').first().waitFor();
  const summary = (await world.api('/api/v1/stats/summary', admin)).body;
  const report = (await world.api('/api/v1/districts', admin)).body;
  const days = (await world.api('/api/v1/trends?days=30', admin)).body.days;
  const week = (key) => days.slice(-7).reduce((a, d) => a + d[key], 0);
  const shown = async (id) => (await page.locator(`#${id} .tile-value`).textContent());
  const fmt = (n) => n.toLocaleString('en-GB');
  assert.ok(report.city_total.insecure_devices > 0, 'the demo has insecure devices');
  assert.equal(await shown('tile-insecure'), fmt(report.city_total.insecure_devices));
  assert.equal(await shown('tile-new'), fmt(week('new_findings')));
  assert.equal(await shown('tile-fixed'), fmt(week('fixed_findings')));
  assert.equal(await shown('tile-devices'), fmt(summary.devices));
  // The same count from the command line: devices in the city with an active, unexempted finding.
  const cli = run([...world.base, '--format', 'json', 'findings', '--status', 'open,notified,reopened',
    '--in-city', 'yes,possibly']).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const insecure = new Set(cli.filter((f) => !f.exempt).map((f) => f.ip));
  assert.equal(await shown('tile-insecure'), fmt(insecure.size));
  // Every district of the map is drawn, coloured by its count.
  assert.equal(await page.locator('#overview-map path.district').count(), report.districts.length);
  for (const d of report.districts.slice(0, 5)) {
    assert.equal(await page.locator(`#overview-map path[data-code="${d.code}"]`).getAttribute('data-value'), String(d.insecure_devices));
  }
  await shot(page, 'overview');
  await page.context().close();
});

test('choosing a district filters the findings; the filtered list exports as CSV', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  const report = (await world.api('/api/v1/districts', admin)).body;
  const busiest = [...report.districts].sort((a, b) => b.insecure_devices - a.insecure_devices)[0];
  await page.locator(`#overview-map path[data-code="${busiest.code}"]`).click();
  await page.waitForURL(new RegExp(`district=${busiest.code}`));
  await page.locator('#findings-table tbody tr[data-finding]').first().waitFor();
  const expected = await world.all('/api/v1/findings', admin, { district: busiest.code });
  const rows = page.locator('#findings-table tbody tr[data-finding]');
  assert.equal(await rows.count(), Math.min(50, expected.length));
  for (const code of await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.district))) {
    assert.equal(code, busiest.code);
  }
  assert.equal(await page.locator(`#findings-map path[data-code="${busiest.code}"]`).getAttribute('aria-pressed'), 'true');
  // Every filter has a label, every district a name a screen reader can say.
  assert.deepEqual(await page.locator('#findings-filters input, #findings-filters select').evaluateAll((els) => els.filter((e) => !e.labels || !e.labels.length).map((e) => e.id)), []);
  assert.deepEqual(await page.locator('#findings-map path.district').evaluateAll((els) => els.filter((e) => !e.getAttribute('aria-label')).length), 0);
  await shot(page, 'findings');

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
  const csvText = readFileSync(await download.path(), 'utf8');
  const lines = csvText.trim().split('\r\n');
  assert.match(lines[0], /^id,ip,port,/);
  assert.equal(lines.length - 1, expected.length);
  assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])).sort((a, b) => a - b), expected.map((f) => f.id).sort((a, b) => a - b));

  // The map works from the keyboard too: Tab to another district and press Enter.
  const other = report.districts.find((d) => d.code !== busiest.code && d.insecure_devices > 0);
  await page.locator(`#findings-map path[data-code="${other.code}"]`).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`district=${other.code}`));
  await page.locator(`#findings-map path[data-code="${other.code}"][aria-pressed="true"]`).waitFor();
  await page.context().close();
});

test('the findings sort by a column on the server and filter by vendor and operator', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  await page.goto(world.url + '/#/findings');
  const rows = page.locator('#findings-table tbody tr[data-finding]');
  await rows.first().waitFor();
  const shownIds = () => rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.finding)));
  for (const order of ['desc', 'asc']) {
    await page.getByRole('button', { name: /^Severity/ }).click();
    await page.waitForURL(new RegExp(`sort=severity&order=${order}`));
    const expected = (await world.api(`/api/v1/findings?sort=severity&order=${order}&limit=50`, admin)).body.items;
    await page.waitForFunction((id) => document.querySelector('#findings-table tbody tr[data-finding]')?.dataset.finding === String(id), expected[0].id);
    assert.deepEqual(await shownIds(), expected.map((f) => f.id));
    assert.equal(await page.locator('#findings-table th[aria-sort]').getAttribute('aria-sort'), order === 'asc' ? 'ascending' : 'descending');
  }
  // Page two continues the same order.
  await page.locator('#next-page').click();
  const second = (await world.api('/api/v1/findings?sort=severity&order=asc&limit=50', admin)).body;
  const next = (await world.api(`/api/v1/findings?sort=severity&order=asc&limit=50&cursor=${second.next_cursor}`, admin)).body.items;
  await page.waitForFunction((id) => document.querySelector('#findings-table tbody tr[data-finding]')?.dataset.finding === String(id), next[0].id);
  assert.deepEqual(await shownIds(), next.map((f) => f.id));

  // A vendor of a device with findings, and the operator of a network.
  const devices = await world.all('/api/v1/devices', admin, { min_score: 1 });
  const vendor = devices.find((d) => d.vendor).vendor;
  await page.getByLabel('Vendor').fill(vendor.toLowerCase());
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/vendor=/);
  const byVendor = await world.all('/api/v1/findings', admin, { vendor });
  assert.ok(byVendor.length > 0);
  await page.waitForFunction((n) => document.querySelectorAll('#findings-table tbody tr[data-finding]').length === n, Math.min(50, byVendor.length));
  const asn = devices.find((d) => d.asn).asn;
  const byAsn = await world.all('/api/v1/findings', admin, { operator: `AS${asn}` });
  const devicesOfAsn = new Set(devices.filter((d) => d.asn === asn).map((d) => d.ip));
  assert.ok(byAsn.length > 0);
  for (const f of byAsn) assert.ok(devicesOfAsn.has(f.ip) || !devices.some((d) => d.ip === f.ip), f.ip);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a finding is exempted with a reason and an expiry', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  await page.goto(world.url + '/#/findings?status=open');
  const row = page.locator('#findings-table tbody tr[data-finding]').first();
  await row.waitFor();
  const id = await row.getAttribute('data-finding');
  await row.getByRole('button', { name: /^Exempt finding/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Exempt a finding' });
  await dialog.getByLabel('Risk accepted by the owner').check();
  await dialog.getByLabel('Note').fill('browser test: accepted by the owner');
  await dialog.getByLabel('Exempt until').fill('2099-01-01');
  await dialog.getByRole('button', { name: 'Exempt', exact: true }).click();
  // A date too far ahead is refused by the server, and the dialog says why.
  await dialog.getByRole('alert').filter({ hasText: /five years/ }).waitFor();
  const until = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
  await dialog.getByLabel('Exempt until').fill(until);
  const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/findings/${id}/exemptions`) && r.request().method() === 'POST');
  await dialog.getByRole('button', { name: 'Exempt', exact: true }).click();
  assert.equal((await saved).status(), 201);
  await page.locator(`#findings-table tr[data-finding="${id}"] .tag`, { hasText: 'exempt' }).waitFor();
  const finding = (await world.api(`/api/v1/findings/${id}`, admin)).body;
  assert.equal(finding.finding.exempt, 'accepted-risk');
  const active = finding.exemptions.filter((x) => x.active);
  assert.equal(active.length, 1);
  assert.equal(active[0].until.slice(0, 10), until);
  assert.equal(active[0].by, 'ciso');
  await page.context().close();
});

test('the overview updates by itself when new data is imported', async () => {
  const page = await newPage();
  await page.addInitScript(() => localStorage.setItem('citywatch.poll_ms', '500'));
  await login(page, 'ciso');
  await page.locator('#tile-devices .tile-value').waitFor();
  // The first poll has seen the data as it was; only then does new data arrive.
  await page.waitForResponse((r) => r.url().endsWith('/api/v1/stats/summary'));
  const imported = world.importNmap();
  assert.equal(imported.status, 0, imported.stderr);
  const after = (await world.api('/api/v1/stats/summary', admin)).body;
  await page.getByText('New data arrived').waitFor();
  assert.equal(await page.locator('#tile-devices .tile-value').textContent(), after.devices.toLocaleString('en-GB'));
  await page.context().close();
});

test('a device page shows its findings with evidence, the score explained, and its history', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  await page.goto(world.url + '/#/findings?status=open&severity=critical');
  const link = page.locator('#findings-table tbody tr[data-finding] a.mono').first();
  await link.waitFor();
  const ip = (await link.textContent()).split(' ')[0];
  await link.click();
  await page.locator('#device-findings li').first().waitFor();
  const detail = (await world.api(`/api/v1/devices/${ip}`, admin)).body;
  assert.equal(await page.locator('#device-ip').textContent(), ip);
  assert.equal(await page.locator('#device-score strong').textContent(), String(detail.risk.risk_score));
  assert.equal(await page.locator('#device-findings > li').count(), detail.findings.length);
  const first = detail.findings[0];
  const item = page.locator(`#device-findings li[data-finding="${first.id}"]`);
  await item.locator('summary').click();
  for (const ref of first.evidence) await item.getByText(ref, { exact: true }).waitFor();
  assert.equal(await page.locator('#score-table tbody tr').count(), detail.risk.risk_explanation.contributions.length);
  assert.ok(await page.locator('#device-timeline li').count() >= detail.finding_history.length);
  const shownEvidence = await page.locator('#device-evidence .mono').allTextContents();
  assert.deepEqual(shownEvidence, detail.evidence.map((o) => o.evidence_id));
  await shot(page, 'device');
  await page.context().close();
});

test('scan jobs are listed and one can be started', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  await page.goto(world.url + '/#/jobs');
  const row = page.locator('#jobs-table tr[data-job="feed-check"]');
  await row.waitFor();
  const started = page.waitForResponse((r) => r.url().endsWith('/api/v1/jobs/feed-check/run') && r.request().method() === 'POST');
  await row.getByRole('button', { name: 'Run feed-check now' }).click();
  assert.equal((await started).status(), 202);
  const job = (await world.api('/api/v1/jobs/feed-check', admin)).body;
  assert.ok(job.run_requested || job.running || job.last_started, 'the run was queued');
  await shot(page, 'jobs');
  await page.context().close();
});

test('partner and screen accounts cannot open the dashboard or its device pages', async () => {
  const [device] = await world.all('/api/v1/devices', admin);
  for (const user of ['isp-user', 'hallscreen']) {
    const page = await newPage();
    await login(page, user);
    await page.getByText('cannot open it').waitFor();
    await page.goto(`${world.url}/#/device/${encodeURIComponent(device.ip)}`);
    await page.locator('#login').waitFor();
    assert.equal(await page.locator('#device-ip').count(), 0);
    await page.context().close();
  }
  // And the API behind the pages refuses them: a screen never reads devices; a partner sees
  // none that are not in its batches (404, like a device that does not exist).
  assert.equal((await world.api(`/api/v1/devices/${device.ip}`, screenToken)).status, 403);
  const partnerToken = world.token('isp-user', 'partner', ['--partner', 'isp-demo']);
  assert.equal((await world.api(`/api/v1/devices/${device.ip}`, partnerToken)).status, 404);
});

test('the City Hall screen shows aggregates and no address, host name or coordinate', async () => {
  const page = await newPage({ width: 1920, height: 1080 });
  // Every response passes through here, so each body is seen whole before the page gets it.
  const bodies = [];
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    bodies.push({ url: route.request().url(), text: body.toString('utf8') });
    await route.fulfill({ response, body });
  });
  await page.goto(`${world.url}/screen#token=${screenToken}`);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.locator('#screen-tip:not(:empty)').waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  await shot(page, 'screen');

  const report = (await world.api('/api/v1/districts', admin)).body;
  assert.equal(await page.locator('#screen-map-box path.district').count(), report.districts.length);
  const insecure = report.city_total.insecure_devices;
  assert.equal(await page.locator('#screen-insecure').textContent(), insecure >= MIN_COUNT ? insecure.toLocaleString('en-GB') : `< ${MIN_COUNT}`);
  // Small counts are hidden by the server, not the page: a district with 1 or 2 insecure
  // devices arrives as null.
  const small = report.districts.find((d) => d.insecure_devices > 0 && d.insecure_devices < MIN_COUNT);
  if (small) assert.equal(await page.locator(`#screen-map-box path[data-code="${small.code}"]`).getAttribute('data-value'), 'hidden');

  // What a person could learn from the screen: no address, host name or device coordinate.
  const devices = JSON.parse('[' + run([...world.base, '--format', 'json', 'devices', '--all']).stdout.trim().split('\n').join(',') + ']');
  const hostnames = devices.map((d) => d.hostname).filter(Boolean);
  const coordinates = devices.filter((d) => typeof d.latitude === 'number').flatMap((d) => [String(d.latitude), String(d.longitude)]).filter((c) => c.length > 6);
  const dom = await page.content();
  const texts = [{ url: 'DOM', text: dom }, ...bodies];
  for (const { url, text } of texts) {
    assert.deepEqual(addressesIn(text), [], `${url} holds an address`);
    for (const h of hostnames) assert.ok(!text.includes(h), `${url} holds the host name ${h}`);
    if (!url.endsWith('/districts.geojson')) {
      for (const c of coordinates) assert.ok(!text.includes(c), `${url} holds the device coordinate ${c}`);
    }
  }
  assert.ok(bodies.some((b) => b.url.includes('/api/v1/')), 'the screen read the API');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('open data: per district per day as CSV and GeoJSON, small counts hidden, no addresses', async () => {
  const csv = await world.api('/api/v1/open-data/districts.csv?days=7', screenToken);
  assert.equal(csv.status, 200, csv.text);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(lines[0], 'date,district_code,district_name,insecure_devices,new_findings,fixed_findings');
  const report = (await world.api('/api/v1/districts', admin)).body;
  assert.equal(lines.length - 1, 7 * report.districts.length);
  for (const line of lines.slice(1)) {
    for (const cell of line.split(',').slice(3)) {
      assert.ok(cell === '' || Number(cell) === 0 || Number(cell) >= MIN_COUNT, `${line}: a small count is shown`);
    }
  }
  const geo = await world.api('/api/v1/open-data/districts.geojson?days=7', screenToken);
  assert.equal(geo.status, 200, geo.text);
  assert.equal(geo.body.type, 'FeatureCollection');
  assert.equal(geo.body.features.length, 7 * report.districts.length);
  assert.ok(geo.body.features.every((f) => f.geometry && f.properties.district_code));
  for (const r of [csv, geo]) assert.deepEqual(addressesIn(r.text), []);
});

// Last: building batches gives the partner its findings, which earlier tests expect it not to see.
test('partners: what was sent to whom, its delivery, the answers and the effect', async () => {
  run([...world.base, 'batches', 'build']);
  const partnerToken = world.token('isp-user', 'partner', ['--partner', 'isp-demo']);
  const open = (await world.api('/api/v1/batches?status=open', partnerToken)).body;
  assert.equal(open.items.length, 1);
  const id = open.items[0].id;
  // The partner fetches its batch, answers on two items and acknowledges it.
  assert.equal((await world.api(`/api/v1/batches/${id}/download`, partnerToken)).status, 200);
  const answer = { feedback: [{ item: 1, status: 'fixed' }, { item: 2, status: 'dispute', note: 'business line' }] };
  const fb = await world.api(`/api/v1/batches/${id}/feedback`, partnerToken, { method: 'POST', body: JSON.stringify(answer) });
  assert.equal(fb.status, 200, fb.text);
  assert.equal((await world.api(`/api/v1/batches/${id}/ack`, partnerToken, { method: 'POST' })).status, 200);

  const page = await newPage();
  await login(page, 'ciso');
  await page.goto(world.url + '/#/partners');
  const partner = page.locator('#partners-table tr[data-partner="isp-demo"]');
  await partner.waitFor();
  const stats = (await world.api('/api/v1/partners/isp-demo', admin)).body.stats;
  const cells = await partner.locator('td').allTextContents();
  const count = (text) => Number(text.replace(/[^0-9]/g, ''));
  assert.deepEqual(cells.slice(0, 3).map(count), [stats.findings_sent, stats.delivered, stats.acknowledged]);
  assert.ok(stats.findings_sent > 0);
  const batch = page.locator(`#batches-table tr[data-batch="${id}"]`);
  await batch.waitFor();
  const row = await batch.textContent();
  assert.match(row, /Acknowledged/);
  assert.match(row, /1 fixed/);
  assert.match(row, /1 dispute/);
  assert.deepEqual(page.errors, []);
  await shot(page, 'partners');
  await page.context().close();
});
