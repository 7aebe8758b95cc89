import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/load.ts';
import { edgeTlsForStart, resolveEdgeTls } from './edge-tls.ts';
import { edgeListeners } from './sip-roles.ts';
import type { Output } from './context.ts';

const opensslMissing = spawnSync('openssl', ['version']).error !== undefined;
if (opensslMissing && process.env.CI === 'true') throw new Error('openssl is required in CI');
const needsOpenssl = { skip: opensslMissing ? 'openssl not installed' : false };

function tempDir(t: { after(fn: () => unknown): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'sy-edge-tls-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function config(env: Record<string, string>): Config {
  const r = loadConfig({ env: { PUBLIC_IP: '127.0.0.1', ...env }, interfaces: () => ({}) });
  assert.ok(r.ok, JSON.stringify(r));
  return r.config;
}

function recorder(): Output & { errors: string[] } {
  const errors: string[] = [];
  return { errors, info: () => undefined, error: (l) => errors.push(l) };
}

const NO_OPENSSL = () => ({ ok: false as const, code: 'SIP_ERR_TLS_NO_CERTIFICATE' as const, message: 'the openssl command is not installed' });

test('no certificate configured: a self-signed one is generated into DATA_DIR/tls once, then reused', needsOpenssl, (t) => {
  const dir = tempDir(t);
  const c = config({ DATA_DIR: dir });
  const first = resolveEdgeTls(c);
  assert.ok(first.ok, first.ok ? '' : first.message);
  assert.match(first.description, new RegExp(`self-signed ${join(dir, 'tls', 'sip-tls.crt')} \\(generated now`));
  assert.match(String(first.tls.cert), /BEGIN CERTIFICATE/);
  const second = resolveEdgeTls(c);
  assert.ok(second.ok);
  assert.equal(second.tls.cert, first.tls.cert);
  assert.match(second.description, /generated on an earlier start/);
});

test('configured certificate and key are used; a broken or mismatched pair is fatal and names the settings', needsOpenssl, (t) => {
  const dir = tempDir(t);
  // two independent self-signed pairs: a's certificate with b's key must be refused
  const a = resolveEdgeTls(config({ DATA_DIR: join(dir, 'a') }));
  const b = resolveEdgeTls(config({ DATA_DIR: join(dir, 'b') }));
  assert.ok(a.ok && b.ok);
  const aCrt = join(dir, 'a', 'tls', 'sip-tls.crt');
  const aKey = join(dir, 'a', 'tls', 'sip-tls.key');
  const bKey = join(dir, 'b', 'tls', 'sip-tls.key');
  const good = resolveEdgeTls(config({ DATA_DIR: join(dir, 'c'), SIP_TLS_CERT: aCrt, SIP_TLS_KEY: aKey }));
  assert.ok(good.ok);
  assert.equal(good.tls.cert, a.tls.cert);
  assert.match(good.description, /CN=switchyard, valid until/);

  const mismatch = resolveEdgeTls(config({ DATA_DIR: join(dir, 'c'), SIP_TLS_CERT: aCrt, SIP_TLS_KEY: bKey }));
  assert.equal(mismatch.ok, false);
  if (!mismatch.ok) {
    assert.equal(mismatch.fatal, true);
    assert.equal(mismatch.code, 'SIP_TLS_CERT_INVALID');
    assert.match(mismatch.message, /SIP_TLS_CERT .* SIP_TLS_KEY .* not a matching PEM certificate and key/);
  }
  const missing = resolveEdgeTls(config({ DATA_DIR: join(dir, 'c'), SIP_TLS_CERT: join(dir, 'nope.crt'), SIP_TLS_KEY: aKey }));
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.match(missing.message, /SIP_TLS_CERT\/SIP_TLS_KEY: .*ENOENT/);
  writeFileSync(join(dir, 'junk.pem'), 'not pem');
  const junk = resolveEdgeTls(config({ DATA_DIR: join(dir, 'c'), SIP_TLS_CERT: join(dir, 'junk.pem'), SIP_TLS_KEY: aKey }));
  assert.equal(junk.ok, false);
  // start refuses it (exception with the code), and never falls back to a self-signed certificate
  const out = recorder();
  assert.throws(
    () => edgeTlsForStart(config({ DATA_DIR: join(dir, 'c'), SIP_TLS_CERT: aCrt, SIP_TLS_KEY: bKey }), out),
    (e: Error & { code?: string }) => e.code === 'SIP_TLS_CERT_INVALID',
  );
});

test('openssl missing and nothing configured: start goes on without TLS/WSS after one clear line', (t) => {
  const dir = tempDir(t);
  const c = config({ DATA_DIR: dir, SIP_USERS_TLS_PORT: '5071', SIP_USERS_WSS_PORT: '10091' });
  const out = recorder();
  const r = edgeTlsForStart(c, out, { generate: NO_OPENSSL });
  assert.equal(r, null);
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0]!, /users TLS \(port 5071\) and WSS \(port 10091\) listeners not started: the openssl command is not installed/);
  assert.match(out.errors[0]!, /SIP_TLS_CERT, SIP_TLS_KEY/);
  assert.deepEqual(edgeListeners(c, r).map((l) => l.transport), ['udp', 'tcp', 'ws']);
});

test('edgeListeners: TLS and WSS on their ports with the certificate, advertised address on wildcard binds', () => {
  const tls = { key: 'k', cert: 'c' };
  const c = config({ PUBLIC_IP: '203.0.113.5', SIP_USERS_TLS_PORT: '5071', SIP_USERS_WSS_PORT: '10091' });
  const l = edgeListeners(c, tls);
  assert.deepEqual(l.map((x) => [x.transport, x.host, x.port, x.advertise?.host]), [
    ['udp', '0.0.0.0', 5060, '203.0.113.5'],
    ['tcp', '0.0.0.0', 5060, '203.0.113.5'],
    ['tls', '0.0.0.0', 5071, '203.0.113.5'],
    ['ws', '0.0.0.0', 10080, '203.0.113.5'],
    ['wss', '0.0.0.0', 10091, '203.0.113.5'],
  ]);
  assert.equal(l.find((x) => x.transport === 'tls')?.tls, tls);
  assert.equal(l.find((x) => x.transport === 'wss')?.tls, tls);
});
