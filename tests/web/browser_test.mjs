// The dashboard and the City Hall screen in a real browser: Debian's chromium, headless,
// driven by playwright-core, against a real `citywatch serve` on 127.0.0.1 whose SQLite
// database was filled by the real import commands from the bundled The Hague demo. Waits on
// selectors and responses, never on time. Screenshots of each view go to CITYWATCH_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { World, loadPlaywright, launch, ARTIFACTS, addressesIn, SOURCE } from './harness.mjs';

const PASSWORD = 'browser-test-password-1';
const MIN_COUNT = 3;
let world, browser, admin, screenToken;

before(async () => {
  const pw = loadPlaywright();  // fails, saying how to install, when chromium or playwright-core is missing
  world = new World();
  world.build(`
[server]
screen_min_count = ${MIN_COUNT}
aggregate_cache_seconds = 0
web_dir = "${path.join(SOURCE, 'web')}"
`);
  world.user('ciso', 'admin', PASSWORD);
  world.user('isp-user', 'partner', PASSWORD, ['--partner', '1']);
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
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the overview shows the numbers the API gives', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  const tile = page.locator('#tile-devices .tile-value');
  await tile.waitFor();
  const summary = (await world.api('/api/v1/stats/summary', admin)).body;
  const devices = await world.all('/api/v1/devices', admin);
  assert.ok(devices.length > 0, 'the demo import stored devices');
  assert.equal(summary.devices, devices.length);
  assert.equal(await tile.textContent(), devices.length.toLocaleString('en-GB'));
  await shot(page, 'overview');
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

test('a device page shows its fingerprint, services and evidence', async () => {
  const page = await newPage();
  await login(page, 'ciso');
  await page.locator('#overview-tiles').waitFor();
  const [device] = await world.all('/api/v1/devices', admin);
  const detail = (await world.api(`/api/v1/devices/${device.ip}`, admin)).body;
  await page.goto(`${world.url}/#/device/${encodeURIComponent(device.ip)}`);
  await page.locator('#device-evidence li').first().waitFor();
  assert.equal(await page.locator('#device-ip').textContent(), device.ip);
  const shown = await page.locator('#device-evidence .mono').allTextContents();
  assert.deepEqual(shown, detail.evidence.map((o) => o.evidence_id));
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
  const partnerToken = world.token('isp-user', 'partner', ['--partner', '1']);
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

  const devices = await world.all('/api/v1/devices', admin);
  const hostnames = devices.map((d) => d.hostname).filter(Boolean);
  const dom = await page.content();
  const texts = [{ url: 'DOM', text: dom }, ...bodies];
  for (const { url, text } of texts) {
    assert.deepEqual(addressesIn(text), [], `${url} holds an address`);
    for (const h of hostnames) assert.ok(!text.includes(h), `${url} holds the host name ${h}`);
  }
  assert.ok(bodies.some((b) => b.url.includes('/api/v1/')), 'the screen read the API');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
