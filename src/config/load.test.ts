import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, detectPublicIp, describeConfig, maskUrl } from './load.ts';
import { loadSecrets } from './secrets.ts';

const noIfaces = () => ({});

test('defaults describe the embedded single-process start', () => {
  const r = loadConfig({ env: {}, cwd: '/srv/sy', interfaces: noIfaces });
  assert.ok(r.ok);
  const c = r.config;
  assert.equal(c.dataDir, '/srv/sy/data');
  assert.equal(c.databaseUrl, null);
  assert.deepEqual(c.http, { host: '0.0.0.0', port: 8080 });
  assert.equal(c.publicUrl, 'http://localhost:8080');
  assert.equal(c.publicIp, '127.0.0.1');
  assert.deepEqual(c.sip.users, { udp: 5060, tcp: 5060, tls: 5061, ws: 10080, wss: 10081 });
  assert.deepEqual(c.sip.trunks, { udp: 7060, tcp: 7060, tls: 7061 });
  assert.equal(c.redisUrl, null);
  assert.deepEqual(c.media, { kind: 'builtin' });
  assert.deepEqual(c.roles, ['api', 'edge', 'app', 'billing', 'jobs']);
  assert.equal(c.demo, true);
});

test('env overrides defaults and flags override env', () => {
  const r = loadConfig({
    env: { HTTP_PORT: '9000', DATA_DIR: '/var/lib/sy', MEDIA: 'rtpengine:10.0.0.5:2223', ROLES: 'api,edge' },
    flags: { '--http-port': '9001', 'public-ip': '203.0.113.7' },
    interfaces: noIfaces,
  });
  assert.ok(r.ok);
  assert.equal(r.config.http.port, 9001);
  assert.equal(r.config.publicUrl, 'http://localhost:9001');
  assert.equal(r.config.dataDir, '/var/lib/sy');
  assert.equal(r.config.publicIp, '203.0.113.7');
  assert.deepEqual(r.config.media, { kind: 'rtpengine', host: '10.0.0.5', port: 2223, relays: [{ host: '10.0.0.5', port: 2223, metric: 1 }] });
  assert.deepEqual(r.config.sip.app, { host: '127.0.0.1', port: 6060 });
  assert.deepEqual(r.config.rtpPorts, { min: 13000, max: 19000 });
  assert.deepEqual(r.config.roles, ['api', 'edge']);
});

test('invalid values are all reported with their source', () => {
  const r = loadConfig({
    env: { HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://x', MEDIA: 'rtpengine:nohost', PUBLIC_IP: '::1' },
    flags: { '--roles': 'api,sbc', '--bogus': '1' },
    interfaces: noIfaces,
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, 'CONFIG_INVALID');
  const by = new Map(r.errors.map((e) => [e.setting, e]));
  assert.equal(by.get('httpPort')?.source, 'env HTTP_PORT');
  assert.match(by.get('databaseUrl')?.message ?? '', /scheme mysql:/);
  assert.ok(by.has('media'));
  assert.ok(by.has('publicIp'));
  assert.match(by.get('roles')?.message ?? '', /unknown role "sbc"/);
  assert.equal(by.get('--bogus')?.message, 'unknown option');
});

test('two listeners on one TCP port are rejected before binding', () => {
  const r = loadConfig({ env: { HTTP_PORT: '5060' }, interfaces: noIfaces });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.errors[0]?.message ?? '', /5060 is also used by HTTP_PORT/);
  assert.ok(loadConfig({ env: { HTTP_PORT: '0', SIP_USERS_PORT: '0' }, interfaces: noIfaces }).ok);
});

test('public IP detection picks the first non-internal IPv4', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: '192.0.2.9', family: 'IPv4', internal: false },
    ],
  } as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
  assert.equal(detectPublicIp(ifaces), '192.0.2.9');
  assert.equal(detectPublicIp({}), '127.0.0.1');
});

test('describeConfig masks URL passwords and carries no secrets', () => {
  const r = loadConfig({
    env: {
      DATABASE_URL: 'postgres://sy:s3cr3t@db:5432/sy',
      REDIS_URL: 'redis://:hunter2@cache:6379',
      JWT_SECRET: Buffer.alloc(32, 7).toString('base64'),
    },
    interfaces: noIfaces,
  });
  assert.ok(r.ok);
  const text = JSON.stringify(describeConfig(r.config));
  assert.ok(!text.includes('s3cr3t'));
  assert.ok(!text.includes('hunter2'));
  assert.ok(!text.includes(Buffer.alloc(32, 7).toString('base64')));
  assert.equal(maskUrl('postgres://u:p@h/db'), 'postgres://u:***@h/db');
});

test('secrets are generated once with mode 0600 and reused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const a = loadSecrets({ dataDir, jwtSecret: null, encryptionKey: null });
  assert.ok(a.ok);
  assert.equal(a.created, true);
  assert.equal(statSync(a.file).mode & 0o777, 0o600);
  const b = loadSecrets({ dataDir, jwtSecret: null, encryptionKey: null });
  assert.ok(b.ok);
  assert.equal(b.created, false);
  assert.deepEqual(b.secrets, a.secrets);
  assert.notEqual(a.secrets.jwtSecret, a.secrets.encryptionKey);
  const explicit = Buffer.alloc(32, 1).toString('base64');
  const c = loadSecrets({ dataDir, jwtSecret: explicit, encryptionKey: null });
  assert.ok(c.ok);
  assert.equal(c.secrets.jwtSecret, explicit);
  assert.equal(c.secrets.encryptionKey, a.secrets.encryptionKey);
  assert.deepEqual(JSON.parse(readFileSync(a.file, 'utf8')), a.secrets);
});

test('a damaged secrets file is an error, never silently regenerated', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'secrets.json'), '{"jwtSecret":"short"}');
  const r = loadSecrets({ dataDir: dir, jwtSecret: null, encryptionKey: null });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, 'SECRETS_INVALID');
  writeFileSync(join(dir, 'secrets.json'), 'not json');
  const r2 = loadSecrets({ dataDir: dir, jwtSecret: null, encryptionKey: null });
  assert.equal(r2.ok, false);
  if (!r2.ok) assert.equal(r2.code, 'SECRETS_UNREADABLE');
});

test('MEDIA accepts an rtpengine relay set with metrics; RTP_PORTS and internal SIP ports', () => {
  const r = loadConfig({
    env: { MEDIA: 'rtpengine:127.0.0.1:2223@2,10.0.0.6:2223', RTP_PORTS: '20000-20099', SIP_APP_PORT: '16060', SIP_EDGE_INTERNAL_PORT: '15069' },
    interfaces: noIfaces,
  });
  assert.ok(r.ok);
  assert.equal(r.config.media.kind, 'rtpengine');
  if (r.config.media.kind === 'rtpengine') assert.deepEqual(r.config.media.relays.map((x) => x.metric), [2, 1]);
  assert.deepEqual(r.config.rtpPorts, { min: 20000, max: 20099 });
  assert.equal(r.config.sip.app.port, 16060);
  assert.equal(r.config.sip.edgeInternal.port, 15069);
  const bad = loadConfig({ env: { RTP_PORTS: '5-3' }, interfaces: noIfaces });
  assert.equal(bad.ok, false);
});

test('internal SIP address and the nodes of other hosts: SIP_INTERNAL_IP, SIP_APP_NODES, SIP_EDGE_NODES', () => {
  const d = loadConfig({ env: {}, interfaces: noIfaces });
  assert.ok(d.ok);
  assert.equal(d.config.sip.app.host, '127.0.0.1');
  assert.equal(d.config.sip.appNodes, null);
  assert.equal(d.config.sip.edgeNodes, null);
  const r = loadConfig({
    env: { SIP_INTERNAL_IP: '10.0.0.5', SIP_APP_NODES: '10.0.0.6:6060, 10.0.0.7:6061', SIP_EDGE_NODES: '[fd00::5]:5069' },
    interfaces: noIfaces,
  });
  assert.ok(r.ok);
  assert.deepEqual([r.config.sip.app.host, r.config.sip.edgeInternal.host], ['10.0.0.5', '10.0.0.5']);
  assert.deepEqual(r.config.sip.appNodes, [{ host: '10.0.0.6', port: 6060 }, { host: '10.0.0.7', port: 6061 }]);
  assert.deepEqual(r.config.sip.edgeNodes, [{ host: 'fd00::5', port: 5069 }]);
  assert.match(describeConfig(r.config).SIP_INTERNAL ?? '', /app nodes 10\.0\.0\.6:6060,10\.0\.0\.7:6061, edge nodes fd00::5:5069/);
  const bad = loadConfig({ env: { SIP_INTERNAL_IP: 'edge.example', SIP_APP_NODES: '10.0.0.6', SIP_EDGE_NODES: 'host.example:5069' }, interfaces: noIfaces });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.deepEqual(bad.errors.map((e) => e.setting).sort(), ['sipAppNodes', 'sipEdgeNodes', 'sipInternalIp']);
  for (const unspecified of ['0.0.0.0', '::']) {
    const u = loadConfig({ env: { SIP_INTERNAL_IP: unspecified }, interfaces: noIfaces });
    assert.equal(u.ok, false, `${unspecified} cannot be advertised to other nodes`);
  }
});

test('SIP TLS certificate: unset by default, paths resolved from cwd, refused without its key (and vice versa)', () => {
  const d = loadConfig({ env: {}, cwd: '/srv/sy', interfaces: noIfaces });
  assert.ok(d.ok);
  assert.deepEqual(d.config.sip.tls, { cert: null, key: null });
  assert.match(describeConfig(d.config).SIP_TLS ?? '', /self-signed in \/srv\/sy\/data\/tls/);
  const both = loadConfig({ env: { SIP_TLS_CERT: 'certs/edge.crt' }, flags: { '--sip-tls-key': '/etc/sy/edge.key' }, cwd: '/srv/sy', interfaces: noIfaces });
  assert.ok(both.ok);
  assert.deepEqual(both.config.sip.tls, { cert: '/srv/sy/certs/edge.crt', key: '/etc/sy/edge.key' });
  const certOnly = loadConfig({ env: { SIP_TLS_CERT: '/etc/sy/edge.crt' }, interfaces: noIfaces });
  assert.equal(certOnly.ok, false);
  if (!certOnly.ok) assert.deepEqual(certOnly.errors.map((e) => e.setting), ['sipTlsKey']);
  const keyOnly = loadConfig({ env: { SIP_TLS_KEY: '/etc/sy/edge.key' }, interfaces: noIfaces });
  assert.equal(keyOnly.ok, false);
  if (!keyOnly.ok) assert.match(keyOnly.errors[0]?.message ?? '', /SIP_TLS_KEY is set but SIP_TLS_CERT is not/);
});
