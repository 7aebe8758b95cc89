import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { resolveLimits, type TransportLimits } from './limits.ts';
import { Recorder, sipRequest, waitFor } from './test-support.ts';
import { loadOrCreateCertificate, type TlsSettings } from './tls-settings.ts';
import { WsTransport } from './ws-transport.ts';

type T = { after(fn: () => unknown): void };

async function wsServer(t: T, protocol: 'WS' | 'WSS', host = '127.0.0.1', limits: Partial<TransportLimits> = {}, tls?: TlsSettings) {
  const rec = new Recorder();
  const tr = new WsTransport(protocol, { host, port: 0, limits: resolveLimits(limits), ...(tls ? { tls } : {}) }, rec);
  await tr.listen();
  t.after(() => tr.close());
  return { rec, tr };
}

function url(scheme: string, host: string, port: number) {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

function open(t: T, u: string, protocols: string[] = ['sip'], opts: object = {}) {
  const ws = new WebSocket(u, protocols, opts);
  t.after(() => ws.terminate());
  const got: string[] = [];
  let closed = false;
  let status = 0;
  ws.on('message', (d) => got.push(d.toString()));
  ws.on('close', () => (closed = true));
  ws.on('unexpected-response', (_req, res) => {
    status = res.statusCode ?? 0;
    closed = true;
  });
  ws.on('error', () => (closed = true));
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
    ws.once('unexpected-response', () => reject(new Error('refused')));
  });
  ready.catch(() => {});
  return { ws, got, ready, closed: () => closed, status: () => status };
}

for (const host of ['127.0.0.1', '::1']) {
  test(`WS on ${host}: one SIP message per frame, both ways (RFC 7118 §5)`, async (t) => {
    const { rec, tr } = await wsServer(t, 'WS', host);
    const c = open(t, url('ws', host, tr.address.port));
    await c.ready;
    assert.equal(c.ws.protocol, 'sip');
    c.ws.send(sipRequest('REGISTER', 1));
    c.ws.send(Buffer.from(sipRequest('OPTIONS', 2)));
    await waitFor(() => rec.messages.length === 2, 'two messages');
    const src = rec.messages[0]!.source;
    assert.equal(src.transport, 'WS');
    assert.equal(src.host, host);
    assert.ok(src.connectionId?.startsWith('ws-'));
    tr.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: src.connectionId! });
    await waitFor(() => c.got.length === 1, 'response frame');
    assert.match(c.got[0]!, /^SIP\/2\.0 200 OK/);
  });
}

test('WS: the sip subprotocol is required (RFC 7118 §4.1)', async (t) => {
  const { rec, tr } = await wsServer(t, 'WS');
  const none = open(t, url('ws', '127.0.0.1', tr.address.port), []);
  const other = open(t, url('ws', '127.0.0.1', tr.address.port), ['chat']);
  await waitFor(() => none.closed() && other.closed(), 'both refused');
  assert.equal(none.status(), 400);
  assert.equal(other.status(), 400);
  assert.equal(tr.connectionCount, 0);
  assert.equal(rec.opened.length, 0);
});

test('WS: CRLFCRLF keep-alive gets a CRLF pong; oversize frame closes the connection', async (t) => {
  const { rec, tr } = await wsServer(t, 'WS', '127.0.0.1', { maxMessageBytes: 1000 });
  const c = open(t, url('ws', '127.0.0.1', tr.address.port));
  await c.ready;
  c.ws.send('\r\n\r\n');
  await waitFor(() => c.got.length === 1, 'pong');
  assert.equal(c.got[0], '\r\n');
  assert.deepEqual(rec.keepalives, ['ping']);
  c.ws.send('x'.repeat(5000));
  await waitFor(() => c.closed(), 'closed after oversize frame');
  await waitFor(() => rec.closed.length === 1, 'close reported');
  assert.equal(rec.closed[0]!.reason, 'framing');
  assert.equal(rec.messages.length, 0);
});

test('WS: idle connections close; per-source cap counts sockets before the upgrade', async (t) => {
  const { rec, tr } = await wsServer(t, 'WS', '127.0.0.1', { idleTimeoutMs: 200, maxConnectionsPerIp: 2 });
  const a = open(t, url('ws', '127.0.0.1', tr.address.port));
  const b = open(t, url('ws', '127.0.0.1', tr.address.port));
  await a.ready;
  await b.ready;
  const c = open(t, url('ws', '127.0.0.1', tr.address.port));
  await waitFor(() => c.closed(), 'third refused');
  assert.ok(rec.drops.includes('connection-cap'));
  await waitFor(() => a.closed() && b.closed(), 'idle close');
  assert.deepEqual(rec.closed.map((x) => x.reason), ['idle', 'idle']);
});

test('WSS: secure WebSocket with a self-signed certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-wss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = loadOrCreateCertificate(dir);
  assert.ok(cert.ok);
  const { rec, tr } = await wsServer(t, 'WSS', '127.0.0.1', {}, { key: cert.key, cert: cert.cert });
  const c = open(t, url('wss', '127.0.0.1', tr.address.port), ['sip'], { ca: cert.cert, servername: 'switchyard' });
  await c.ready;
  c.ws.send(sipRequest('OPTIONS', 1));
  await waitFor(() => rec.messages.length === 1, 'message over WSS');
  const src = rec.messages[0]!.source;
  assert.equal(src.transport, 'WSS');
  tr.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: src.connectionId! });
  await waitFor(() => c.got.length === 1, 'response over WSS');
});

test('WS: outbound connection to another WS listener, answered over the same connection', async (t) => {
  const peer = await wsServer(t, 'WS');
  const local = await wsServer(t, 'WS');
  local.tr.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: '127.0.0.1', port: peer.tr.address.port });
  await waitFor(() => peer.rec.messages.length === 1, 'request at peer');
  const src = peer.rec.messages[0]!.source;
  peer.tr.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: src.connectionId! });
  await waitFor(() => local.rec.messages.length === 1, 'response back');
  assert.equal(local.tr.connectionCount, 1);
});
