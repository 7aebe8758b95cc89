// The "README works" proof: `node --import ./bin/typescript.mjs src/cli/main.ts start` on a fresh data directory serves the API
// docs and OpenAPI documents of the four levels, accepts the demo login, lets the platform operator create a
// brand, a brand admin and (as that admin) a client, stops cleanly on SIGTERM, and on a restart with the same
// data directory keeps its data without loading the demo twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;
const HAS_OPENSSL = spawnSync('openssl', ['version']).error === undefined;

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

function cleanEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Settings inherited from the developer's shell must not leak into the test.
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'MEDIA', 'ROLES', 'JWT_SECRET', 'ENCRYPTION_KEY', 'PUBLIC_URL', 'DEMO_DATA',
    'SIP_TLS_CERT', 'SIP_TLS_KEY']) {
    delete env[k];
  }
  // Every listener on a free port: the machine's 5060/5061/10080/10081/6060/5069 may be in use.
  const sipPorts = Object.fromEntries(['SIP_USERS_PORT', 'SIP_USERS_TLS_PORT', 'SIP_USERS_WS_PORT', 'SIP_USERS_WSS_PORT', 'SIP_TRUNKS_PORT',
    'SIP_TRUNKS_TLS_PORT', 'SIP_APP_PORT', 'SIP_EDGE_INTERNAL_PORT'].map((k) => [k, '0']));
  return { ...env, ...sipPorts, DATA_DIR: dataDir, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', PUBLIC_IP: '127.0.0.1' };
}

async function startSwitchyard(dataDir: string): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', './bin/typescript.mjs', 'src/cli/main.ts', 'start'], {
    cwd: ROOT, env: cleanEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within ${READY_TIMEOUT_MS} ms\nstdout:\n${out}\nstderr:\n${err}`)), READY_TIMEOUT_MS);
    const check = () => {
      const m = /switchyard ready: (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited early (code ${code}, signal ${signal})\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
  return { child, stdout: () => out, stderr: () => err, url, exited };
}

async function stop(p: Proc): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  p.child.kill('SIGTERM');
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no exit within ${STOP_TIMEOUT_MS} ms after SIGTERM\n${p.stdout()}\n${p.stderr()}`)), STOP_TIMEOUT_MS).unref());
  return Promise.race([p.exited, timeout]);
}

async function api(base: string, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* html */
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: json as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function login(base: string, level: string, body: Record<string, unknown>): Promise<string> {
  const r = await api(base, 'POST', `/api/${level}/auth/login`, body);
  assert.equal(r.status, 200, `login ${level} ${JSON.stringify(body.username)}: ${r.text}`);
  assert.equal(typeof r.json.token, 'string');
  return r.json.token as string;
}

test('npm start: fresh data dir, API, demo login, SIGTERM, restart without duplicates', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-start-'));
  const dataDir = join(dir, 'data');
  t.after(() => {
    for (const c of running) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // ---- first start ----
  const p1 = await startSwitchyard(dataDir);
  const base = p1.url;
  assert.match(p1.stdout(), /demo data loaded: brand DemoBrand/);
  assert.ok(!p1.stdout().includes(JSON.parse(await (await import('node:fs/promises')).readFile(join(dataDir, 'secrets.json'), 'utf8')).jwtSecret),
    'the JWT secret is never printed');
  assert.equal(statSync(join(dataDir, 'secrets.json')).mode & 0o777, 0o600);
  // the users edge listens on UDP, TCP, TLS, WS and WSS; TLS/WSS with a self-signed certificate made in DATA_DIR/tls
  // (without openssl, and outside CI, start says in one line that TLS/WSS are off and runs without them)
  const secure = HAS_OPENSSL ? ['TLS', 'WSS'] : [];
  for (const tp of ['UDP', 'TCP', 'WS', ...secure]) {
    assert.match(p1.stdout(), new RegExp(`users SIP ${tp} +sip:127\\.0\\.0\\.1:[1-9]\\d*`), `banner lists ${tp}`);
  }
  if (HAS_OPENSSL) {
    assert.match(p1.stdout(), /users SIP TLS +\S+;transport=tls/);
    assert.match(p1.stdout(), /users SIP WSS +\S+;transport=wss/);
    assert.match(p1.stdout(), /users TLS cert +self-signed \S+\/tls\/sip-tls\.crt \(generated now/);
    assert.equal(statSync(join(dataDir, 'tls', 'sip-tls.key')).mode & 0o777, 0o600);
  } else {
    assert.equal(process.env.CI === 'true', false, 'openssl is required in CI');
    assert.match(p1.stderr(), /TLS .* and WSS .* listeners not started/);
  }

  const landing = await api(base, 'GET', '/');
  assert.equal(landing.status, 200);
  assert.match(landing.type, /text\/html/);
  for (const level of ['platform', 'brand', 'client', 'user']) {
    assert.ok(landing.text.includes(`/api/${level}/docs`), `landing links ${level} docs`);
    const doc = await api(base, 'GET', `/api/${level}/openapi.json`);
    assert.equal(doc.status, 200, `${level} openapi`);
    assert.match(String(doc.json.openapi), /^3\.1\./);
    assert.ok(Object.keys(doc.json.paths ?? {}).length > 0, `${level} openapi has paths`);
    const docs = await api(base, 'GET', `/api/${level}/docs`);
    assert.equal(docs.status, 200, `${level} docs page`);
    assert.match(docs.type, /text\/html/);
  }
  const platformDoc = await api(base, 'GET', '/api/platform/openapi.json');
  for (const p of ['/proxy-trunks', '/media-relay-sets', '/application-servers', '/services', '/sip-domains']) {
    assert.ok(Object.keys(platformDoc.json.paths).some((k) => k.endsWith(p)), `platform OpenAPI lists ${p}`);
  }

  const god = await login(base, 'platform', { username: 'admin', password: 'changeme' });
  const wrong = await api(base, 'POST', '/api/platform/auth/login', { username: 'admin', password: 'nope' });
  assert.equal(wrong.status, 401);
  // (stderr arrives on its own pipe: checked after a few round trips, not right at "ready")
  assert.match(p1.stderr(), /WARNING: platform administrator "admin" still has the default password/);

  const ref = async (path: string) => {
    const r = await api(base, 'GET', path, undefined, god);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, 1, path);
    return r.json.items[0].id as number;
  };
  const currencyId = await ref('/api/platform/currencies?code=EUR');
  const languageId = await ref('/api/platform/languages?code=es');
  const defaultTimezoneId = await ref('/api/platform/timezones?name=Europe%2FMadrid');

  const brand = await api(base, 'POST', '/api/platform/brands',
    { name: 'Acme Telecom', features: ['vpbx'], currencyId, languageId, defaultTimezoneId }, god);
  assert.equal(brand.status, 201, brand.text);
  const brandId = brand.json.id as number;
  assert.equal(brand.json.proxyTrunkIds?.length, 1, 'a new brand gets the main proxytrunks address');

  const brandAdmin = await api(base, 'POST', '/api/platform/administrators',
    { brandId, username: 'acme-ops', password: 'acme-secret-1' }, god);
  assert.equal(brandAdmin.status, 201, brandAdmin.text);

  const op = await login(base, 'brand', { username: 'acme-ops', password: 'acme-secret-1', brandId });
  const client = await api(base, 'POST', '/api/brand/clients',
    { type: 'vpbx', name: 'Acme Office', domain: 'office.acme.example', currencyId, languageId, defaultTimezoneId }, op);
  assert.equal(client.status, 201, client.text);
  const mine = await api(base, 'GET', '/api/brand/clients', undefined, op);
  assert.deepEqual(mine.json.items.map((c: { name: string }) => c.name), ['Acme Office'], 'the brand admin sees only its clients');
  const services = await api(base, 'GET', `/api/brand/client-services?clientId=${client.json.id}`, undefined, op);
  assert.ok(services.json.items.some((s: { code: string }) => s.code === '*95'), 'the new client got the service codes');

  const stopped = await stop(p1);
  assert.deepEqual(stopped, { code: 0, signal: null }, `clean exit\n${p1.stdout()}\n${p1.stderr()}`);
  assert.match(p1.stdout(), /SIGTERM: shutting down[\s\S]*stopped/);

  // ---- restart on the same data dir ----
  const p2 = await startSwitchyard(dataDir);
  assert.ok(!/demo data loaded/.test(p2.stdout()), 'the demo is not loaded twice');
  if (HAS_OPENSSL) assert.match(p2.stdout(), /users TLS cert +self-signed .*generated on an earlier start/, 'the certificate is reused');
  const god2 = await login(p2.url, 'platform', { username: 'admin', password: 'changeme' });
  const brands = await api(p2.url, 'GET', '/api/platform/brands?order=name', undefined, god2);
  assert.deepEqual(brands.json.items.map((b: { name: string }) => b.name), ['Acme Telecom', 'DemoBrand']);
  const clients = await api(p2.url, 'GET', '/api/platform/clients?order=name', undefined, god2);
  assert.deepEqual(clients.json.items.map((c: { name: string }) => c.name), ['Acme Office', 'DemoCompany']);
  const admins = await api(p2.url, 'GET', '/api/platform/administrators?username=admin', undefined, god2);
  assert.equal(admins.json.total, 1);
  // Tokens survive a restart: the signing key comes from secrets.json.
  const still = await api(p2.url, 'GET', '/api/platform/brands', undefined, god);
  assert.equal(still.status, 200);
  assert.deepEqual(await stop(p2), { code: 0, signal: null });
});

test('start refuses an invalid configuration with exit code 2 and names the setting', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-badcfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', './bin/typescript.mjs', 'src/cli/main.ts', 'start', '--http-port', 'eighty'], {
    cwd: ROOT, env: cleanEnv(join(dir, 'data')), stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  running.delete(child);
  assert.equal(code, 2);
  assert.match(err, /flag --http-port: "eighty" is not a port number/);
});
