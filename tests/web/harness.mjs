// The browser tests' harness: finds Debian's chromium and playwright-core (failing with how to
// install them when either is missing: CI installs both), builds a real database through the
// real `citywatch` import commands, starts a real `citywatch serve` on 127.0.0.1 (port 0,
// read back from its "listening on" line) and stops it at the end.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

export const SOURCE = process.env.CITYWATCH_SOURCE_DIR || path.resolve(new URL('../..', import.meta.url).pathname);
export const BINARY = process.env.CITYWATCH_BINARY || path.join(SOURCE, 'build/app/citywatch');
export const ARTIFACTS = process.env.CITYWATCH_ARTIFACTS || path.join(tmpdir(), 'citywatch-web-artifacts');
export const CHROMIUM = process.env.CITYWATCH_CHROMIUM || '/usr/bin/chromium';

export function loadPlaywright() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Debian's chromium is not installed (${CHROMIUM} is missing). Install it with ` +
      '`sudo apt-get install chromium` (deploy/install-deps.sh test does), or point CITYWATCH_CHROMIUM at it.');
  }
  const require = createRequire(path.join(SOURCE, 'web/package.json'));
  try {
    return require('playwright-core');
  } catch {
    throw new Error('playwright-core is not installed in web/node_modules. Run `npm ci` in web/ ' +
      '(deploy/install-deps.sh does it); it never downloads a browser.');
  }
}

export async function launch(pw) {
  return pw.chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox (CI runs as root); nothing of chromium's own reaches the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter'],
  });
}

export function run(args, { input, allowFail } = {}) {
  const r = spawnSync(BINARY, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFail) {
    throw new Error(`citywatch ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return r;
}

export class World {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'citywatch-web-'));
    this.db = path.join(this.dir, 'city.db');
    this.config = path.join(this.dir, 'citywatch.toml');
    mkdirSync(ARTIFACTS, { recursive: true });
  }

  // The bundled The Hague demo, imported as ./demo.sh imports it.
  build(configText) {
    writeFileSync(this.config, configText);
    const base = ['--config', this.config, '--db', this.db];
    run([...base, 'init']);
    const demo = path.join(SOURCE, 'data/demo');
    const vulndb = path.join(demo, 'vulndb');
    if (existsSync(vulndb)) {
      run([...base, 'vulndb', 'import', ...readdirSync(vulndb).map((f) => path.join(vulndb, f))]);
    }
    run([...base, 'import', 'shodan', path.join(demo, 'shodan-hague-demo.jsonl')], { allowFail: true });
    run([...base, 'import', 'shadowserver', ...readdirSync(demo).filter((f) => /^2026-.*\.csv$/.test(f)).map((f) => path.join(demo, f))], { allowFail: true });
    this.base = base;
  }

  // The nmap scan of the municipal network, imported later to see the dashboard update.
  importNmap() {
    return run([...this.base, 'import', 'nmap', path.join(SOURCE, 'data/demo/nmap-city-bms-demo.xml')], { allowFail: true });
  }

  // A partner that fetches its batches over the API.
  partner(name, prefix) {
    run([...this.base, 'partners', 'add', name, '--prefix', prefix, '--pull']);
  }

  user(name, role, password, extra = []) {
    run([...this.base, 'users', 'add', name, '--role', role, ...extra, '--password-stdin'], { input: password + '\n' });
  }

  token(name, role, extra = []) {
    const r = run([...this.base, '--format', 'json', 'tokens', 'create', '--user', name, '--role', role, ...extra]);
    return JSON.parse(r.stdout).token;
  }

  async serve() {
    this.proc = spawn(BINARY, [...this.base, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    this.proc.stderr.on('data', (d) => { log += d; });
    this.log = () => log;
    let out = '';
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`citywatch serve did not start: ${log}`)), 30000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      this.proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`citywatch serve exited ${code}: ${log}`));
      });
    });
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async api(pathname, token, init = {}) {
    const res = await fetch(this.url + pathname, {
      ...init,
      headers: { ...(init.headers || {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    const text = await res.text();
    let body = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body, text };
  }

  async all(pathname, token, params = {}) {
    const items = [];
    let cursor = null;
    do {
      const q = new URLSearchParams({ ...params, limit: '1000', ...(cursor ? { cursor } : {}) });
      const r = await this.api(`${pathname}?${q}`, token);
      if (r.status !== 200) throw new Error(`${pathname}: ${r.status} ${r.text}`);
      items.push(...r.body.items);
      cursor = r.body.next_cursor;
    } while (cursor);
    return items;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await once(this.proc, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Every IPv4 or IPv6 address written in a text. Candidates are checked by node:net, so times
// such as 10:00:00 and version strings such as 1.6.32 do not count.
import { isIPv4, isIPv6 } from 'node:net';
export function addressesIn(text) {
  const found = new Set();
  for (const m of text.matchAll(/(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])/g)) if (isIPv4(m[1])) found.add(m[1]);
  for (const m of text.matchAll(/(?<![\w:])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:])/g)) {
    const c = m[1];
    if (/[0-9A-Fa-f]/.test(c) && c.includes('::') ? isIPv6(c) : isIPv6(c) && c.split(':').length === 8) found.add(c);
  }
  return [...found];
}
