import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { resolveLimits } from './limits.ts';
import { StreamTransport } from './stream-transport.ts';
import { Recorder, sipRequest, waitFor } from './test-support.ts';
import { loadOrCreateCertificate } from './tls-settings.ts';

function tempDir(t: { after(fn: () => unknown): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'sy-tls-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('self-signed certificate is generated once and then reused from the directory', (t) => {
  const dir = tempDir(t);
  const a = loadOrCreateCertificate(join(dir, 'certs'));
  assert.ok(a.ok, !a.ok ? a.message : '');
  assert.equal(a.generated, true);
  assert.match(a.cert, /BEGIN CERTIFICATE/);
  assert.equal(statSync(a.keyPath).mode & 0o777, 0o600);
  const b = loadOrCreateCertificate(join(dir, 'certs'));
  assert.ok(b.ok);
  assert.equal(b.generated, false);
  assert.equal(b.cert, a.cert);
  assert.match(new X509Certificate(a.cert).subject, /CN=switchyard/);
});

for (const host of ['127.0.0.1', '::1']) {
  test(`TLS on ${host}: a node:tls client sends and receives over the connection`, async (t) => {
    const dir = tempDir(t);
    const cert = loadOrCreateCertificate(dir);
    assert.ok(cert.ok);
    const rec = new Recorder();
    const tr = new StreamTransport('TLS', { host, port: 0, limits: resolveLimits(), tls: { key: cert.key, cert: cert.cert } }, rec);
    await tr.listen();
    t.after(() => tr.close());
    const c = tls.connect({ host, port: tr.address.port, ca: cert.cert, servername: 'switchyard' });
    t.after(() => c.destroy());
    await new Promise<void>((resolve, reject) => {
      c.once('secureConnect', resolve);
      c.once('error', reject);
    });
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.write(sipRequest('OPTIONS', 1).slice(0, 30));
    c.write(sipRequest('OPTIONS', 1).slice(30) + '\r\n\r\n');
    await waitFor(() => rec.messages.length === 1 && got === '\r\n', 'request and pong');
    const src = rec.messages[0]!.source;
    assert.equal(src.transport, 'TLS');
    assert.equal(src.host, host);
    assert.equal(rec.opened.length, 1, 'open reported once the handshake completed');
    assert.equal(tr.reapIdle(), 0, 'a handshaken connection is not reaped as stuck');
    tr.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: src.connectionId! });
    await waitFor(() => got.includes('200 OK'), 'response over TLS');
  });
}

test('TLS: outbound connection verifies the peer with the configured CA; a bad CA fails the send', async (t) => {
  const dir = tempDir(t);
  const cert = loadOrCreateCertificate(join(dir, 'a'));
  const other = loadOrCreateCertificate(join(dir, 'b'));
  assert.ok(cert.ok && other.ok);
  const peerRec = new Recorder();
  const peer = new StreamTransport('TLS', { host: '127.0.0.1', port: 0, limits: resolveLimits(), tls: { key: cert.key, cert: cert.cert } }, peerRec);
  await peer.listen();
  t.after(() => peer.close());
  const good = new StreamTransport(
    'TLS',
    { host: '127.0.0.1', port: 0, limits: resolveLimits(), tls: { key: other.key, cert: other.cert, ca: cert.cert, servername: 'switchyard' } },
    new Recorder(),
  );
  const bad = new StreamTransport(
    'TLS',
    { host: '127.0.0.1', port: 0, limits: resolveLimits(), tls: { key: other.key, cert: other.cert, ca: other.cert, servername: 'switchyard' } },
    new Recorder(),
  );
  t.after(() => Promise.all([good.close(), bad.close()]));
  good.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: '127.0.0.1', port: peer.address.port });
  await waitFor(() => peerRec.messages.length === 1, 'verified connection delivers');
  let err = '';
  bad.send(Buffer.from(sipRequest('OPTIONS', 2)), { host: '127.0.0.1', port: peer.address.port }, (e) => (err = e.code));
  await waitFor(() => err !== '', 'verification failure reported');
  assert.equal(err, 'SIP_ERR_TRANSPORT_CONNECT');
  assert.equal(peerRec.messages.length, 1);
});

test('TLS: a client that never handshakes is cut off after the handshake timeout', async (t) => {
  const dir = tempDir(t);
  const cert = loadOrCreateCertificate(dir);
  assert.ok(cert.ok);
  const rec = new Recorder();
  const tr = new StreamTransport(
    'TLS',
    { host: '127.0.0.1', port: 0, limits: resolveLimits({ handshakeTimeoutMs: 200 }), tls: { key: cert.key, cert: cert.cert } },
    rec,
  );
  await tr.listen();
  t.after(() => tr.close());
  const raw = net.connect({ host: '127.0.0.1', port: tr.address.port });
  t.after(() => raw.destroy());
  let closed = false;
  raw.on('close', () => (closed = true));
  raw.on('error', () => {});
  await waitFor(() => closed, 'server drops the silent client');
  await waitFor(() => rec.closed.length === 1, 'close reported');
  assert.equal(rec.closed[0]!.reason, 'handshake');
  assert.equal(tr.connectionCount, 0);
});
