import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { resolveLimits, type TransportLimits } from './limits.ts';
import { StreamTransport } from './stream-transport.ts';
import { Recorder, sipRequest, waitFor } from './test-support.ts';

async function tcpServer(t: { after(fn: () => unknown): void }, limits: Partial<TransportLimits> = {}, host = '127.0.0.1') {
  const rec = new Recorder();
  const tr = new StreamTransport('TCP', { host, port: 0, limits: resolveLimits(limits) }, rec);
  await tr.listen();
  t.after(() => tr.close());
  return { rec, tr };
}

function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host }, () => resolve(s));
    s.once('error', reject);
  });
}

function collect(s: net.Socket): { text: () => string; closed: () => boolean } {
  let buf = '';
  let closed = false;
  s.on('data', (d) => (buf += d.toString('latin1')));
  s.on('close', () => (closed = true));
  s.on('error', () => {});
  return { text: () => buf, closed: () => closed };
}

for (const host of ['127.0.0.1', '::1']) {
  test(`TCP on ${host}: byte-by-byte partial writes and several messages in one write`, async (t) => {
    const { rec, tr } = await tcpServer(t, {}, host);
    const c = await connect(tr.address.port, host);
    t.after(() => c.destroy());
    const one = Buffer.from(sipRequest('MESSAGE', 1, 'hello'));
    for (const byte of one) {
      c.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    c.write(sipRequest('OPTIONS', 2) + sipRequest('INFO', 3, 'x=1') + sipRequest('OPTIONS', 4));
    await waitFor(() => rec.messages.length === 4, 'four messages');
    assert.deepEqual(
      rec.texts().map((m) => m.split(' ')[0]),
      ['MESSAGE', 'OPTIONS', 'INFO', 'OPTIONS'],
    );
    assert.ok(rec.texts()[0]!.endsWith('\r\n\r\nhello'));
    const src = rec.messages[0]!.source;
    assert.equal(src.transport, 'TCP');
    assert.equal(src.host, host);
    assert.equal(src.port, c.localPort);
    assert.ok(src.connectionId);
    assert.equal(rec.opened.length, 1);
  });
}

test('TCP: CRLFCRLF ping is answered with a CRLF pong (RFC 5626 §4.4.1)', async (t) => {
  const { rec, tr } = await tcpServer(t);
  const c = await connect(tr.address.port);
  t.after(() => c.destroy());
  const got = collect(c);
  c.write('\r\n\r\n');
  await waitFor(() => got.text() === '\r\n', 'pong');
  assert.deepEqual(rec.keepalives, ['ping']);
  assert.equal(rec.messages.length, 0);
});

test('TCP: responses reuse the inbound connection by id and by remote address', async (t) => {
  const { rec, tr } = await tcpServer(t);
  const c = await connect(tr.address.port);
  t.after(() => c.destroy());
  const got = collect(c);
  c.write(sipRequest('OPTIONS', 1));
  await waitFor(() => rec.messages.length === 1, 'request');
  const src = rec.messages[0]!.source;
  tr.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: src.connectionId! });
  // unknown id: falls back to the connection from that address
  tr.send(Buffer.from('SIP/2.0 202 Two\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: 'tcp-0' });
  await waitFor(() => got.text().includes('202 Two'), 'both responses');
  assert.match(got.text(), /^SIP\/2\.0 200 OK\r\n.*SIP\/2\.0 202 Two/s);
  assert.equal(tr.connectionCount, 1);
});

test('TCP: idle connections are closed; half-open peers do not stay', async (t) => {
  const { rec, tr } = await tcpServer(t, { idleTimeoutMs: 200 });
  const c = await connect(tr.address.port);
  t.after(() => c.destroy());
  const got = collect(c);
  c.write('OPTIONS sip:x SIP/2.0\r\n'); // half a message, then silence
  await waitFor(() => got.closed(), 'server closes the idle connection');
  await waitFor(() => rec.closed.length === 1, 'close reported');
  assert.equal(rec.closed[0]!.reason, 'idle');
  assert.equal(tr.connectionCount, 0);
});

test('TCP: per-source connection cap refuses extra connections', async (t) => {
  const { rec, tr } = await tcpServer(t, { maxConnectionsPerIp: 3 });
  const socks = await Promise.all([1, 2, 3, 4, 5].map(() => connect(tr.address.port)));
  t.after(() => socks.forEach((s) => s.destroy()));
  const states = socks.map(collect);
  await waitFor(() => states.filter((s) => s.closed()).length === 2, 'two refused');
  await waitFor(() => tr.connectionCount === 3, 'three admitted');
  assert.equal(rec.drops.filter((d) => d === 'connection-cap').length, 2);
  // the admitted ones still work
  const ok = socks.find((_, i) => !states[i]!.closed())!;
  ok.write(sipRequest('OPTIONS', 9));
  await waitFor(() => rec.messages.length === 1, 'message on an admitted connection');
});

test('TCP: oversize message closes the connection (framing error)', async (t) => {
  const { rec, tr } = await tcpServer(t, { maxMessageBytes: 1000 });
  const c = await connect(tr.address.port);
  t.after(() => c.destroy());
  const got = collect(c);
  c.write(sipRequest('MESSAGE', 1, 'x'.repeat(2000)));
  await waitFor(() => got.closed(), 'connection closed');
  await waitFor(() => rec.closed.length === 1, 'close reported');
  assert.equal(rec.closed[0]!.reason, 'framing');
  assert.equal(rec.messages.length, 0);
});

test('TCP: outbound connect, then the peer answers over the same connection', async (t) => {
  const peer = await tcpServer(t);
  const local = await tcpServer(t);
  local.tr.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: '127.0.0.1', port: peer.tr.address.port });
  local.tr.send(Buffer.from(sipRequest('OPTIONS', 2)), { host: '127.0.0.1', port: peer.tr.address.port });
  await waitFor(() => peer.rec.messages.length === 2, 'two requests at the peer');
  assert.equal(local.tr.connectionCount, 1, 'queued while connecting, one connection');
  const src = peer.rec.messages[0]!.source;
  peer.tr.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { host: src.host, port: src.port, connectionId: src.connectionId! });
  await waitFor(() => local.rec.messages.length === 1, 'response back');
  assert.equal(local.rec.messages[0]!.source.port, peer.tr.address.port);
  assert.equal(local.rec.messages[0]!.source.connectionId, local.rec.opened[0]!.id);
});

test('TCP: connect refused is reported to every queued message', async (t) => {
  const { tr } = await tcpServer(t);
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const codes: string[] = [];
  tr.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: '127.0.0.1', port }, (e) => codes.push(e.code));
  tr.send(Buffer.from(sipRequest('OPTIONS', 2)), { host: '127.0.0.1', port }, (e) => codes.push(e.code));
  await waitFor(() => codes.length === 2, 'two errors');
  assert.deepEqual(codes, ['SIP_ERR_TRANSPORT_CONNECT', 'SIP_ERR_TRANSPORT_CONNECT']);
  assert.equal(tr.connectionCount, 0);
});
