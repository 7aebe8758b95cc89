// The one-shot commands in-process (main() with a captured output): help, migrate, create-admin, demo, and that
// the operator docs list every setting the code accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { SETTINGS } from '../../src/config/settings.ts';
import { openStore } from '../../src/store/db.ts';
import { verifyPassword } from '../../src/api/auth/passwords.ts';

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: { info: (l: string) => lines.push(l), error: (l: string) => errors.push(l) }, lines, errors };
}

async function run(args: string[]) {
  const c = capture();
  const code = await main(args, c.out);
  return { code, stdout: c.lines.join('\n'), stderr: c.errors.join('\n') };
}

test('help lists the commands and every setting; bad usage exits 2', async () => {
  const h = await run(['help']);
  assert.equal(h.code, 0);
  for (const cmd of ['start', 'migrate', 'create-admin', 'demo']) assert.match(h.stdout, new RegExp(`\\b${cmd}\\b`));
  for (const s of Object.values(SETTINGS)) assert.ok(h.stdout.includes(s.env) && h.stdout.includes(s.flag), s.env);
  assert.equal((await run([])).code, 2);
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const missing = await run(['start', '--http-port']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--http-port needs a value/);
});

test('operator docs document every setting', () => {
  const doc = readFileSync(new URL('../../docs/operators/running.md', import.meta.url), 'utf8');
  for (const s of Object.values(SETTINGS)) {
    assert.ok(doc.includes(`\`${s.env}\``) && doc.includes(`\`${s.flag}\``), `running.md documents ${s.env} / ${s.flag}`);
  }
});

test('migrate, create-admin and demo on a data dir', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flags = ['--data-dir', dir, '--public-ip', '192.0.2.77'];

  const m1 = await run(['migrate', ...flags]);
  assert.equal(m1.code, 0, m1.stderr);
  assert.match(m1.stdout, /applied .*0003_infrastructure/);
  const m2 = await run(['migrate', ...flags]);
  assert.match(m2.stdout, /already up to date/);

  assert.equal((await run(['create-admin', ...flags, '--level', 'platform', '--username', 'ops'])).code, 2, 'password required');
  const weak = await run(['create-admin', ...flags, '--level', 'platform', '--username', 'ops', '--password', 'short']);
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /at least 8/);
  const created = await run(['create-admin', ...flags, '--level', 'platform', '--username', 'ops', '--password', 'first-pass-1']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created platform administrator ops/);
  const dup = await run(['create-admin', ...flags, '--level', 'platform', '--username', 'ops', '--password', 'other-pass-2']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /taken .*--reset/);
  const reset = await run(['create-admin', ...flags, '--level', 'platform', '--username', 'ops', '--password', 'second-pass-3', '--reset']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal((await run(['create-admin', ...flags, '--level', 'brand', '--username', 'x', '--password', 'long-enough-1'])).code, 2);
  const noBrand = await run(['create-admin', ...flags, '--level', 'brand', '--brand-id', '42', '--username', 'x', '--password', 'long-enough-1']);
  assert.equal(noBrand.code, 1);
  assert.match(noBrand.stderr, /no brand 42/);

  // The store now has an administrator: the demo refuses to load over it.
  const demo = await run(['demo', ...flags]);
  assert.equal(demo.code, 0);
  assert.match(demo.stdout, /nothing loaded/);

  const store = await openStore({ dataDir: join(dir, 'pglite') });
  try {
    const admins = await store.db.selectFrom('administrators').select(['username', 'passwordHash']).execute();
    assert.equal(admins.length, 1);
    assert.equal(await verifyPassword('second-pass-3', admins[0]?.passwordHash ?? ''), true);
    assert.equal((await store.db.selectFrom('brands').select('id').execute()).length, 0);
  } finally {
    await store.close();
  }
});

test('demo loads into an empty store once, with the proxy address from PUBLIC_IP', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flags = ['--data-dir', dir, '--public-ip', '192.0.2.77', '--public-url', 'http://sy.example.com:9000'];
  const d1 = await run(['demo', ...flags]);
  assert.equal(d1.code, 0, d1.stderr);
  assert.match(d1.stdout, /loaded brand DemoBrand .* SIP domain 192\.0\.2\.77/);
  assert.match(d1.stdout, /brand portal URL https:\/\/demobrand\.sy\.example\.com:9000/);
  const d2 = await run(['demo', ...flags]);
  assert.match(d2.stdout, /nothing loaded/);
});
