import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLimits } from './limits.ts';
import { Recorder, sipRequest, waitFor } from './test-support.ts';
import { looksLikeIp, UdpTransport } from './udp.ts';

/** Two bound transports on 127.0.0.1 talking through real sockets (no process-local delivery), closed after `t`. */
async function socketPair(t: TestContext): Promise<{ a: UdpTransport; b: UdpTransport; ra: Recorder; rb: Recorder }> {
  const limits = resolveLimits();
  const ra = new Recorder();
  const rb = new Recorder();
  const a = new UdpTransport({ host: '127.0.0.1', port: 0, limits, localDelivery: false }, ra);
  const b = new UdpTransport({ host: '127.0.0.1', port: 0, limits, localDelivery: false }, rb);
  t.after(() => Promise.all([a.close(), b.close()]));
  await a.listen();
  await b.listen();
  return { a, b, ra, rb };
}

for (const [host, localDelivery] of [['127.0.0.1', false], ['::1', false], ['127.0.0.1', true], ['::1', true]] as const) {
  test(`UDP on ${host}${localDelivery ? ', process-local delivery' : ''}: datagrams both ways with the source address`, async (t) => {
    const limits = resolveLimits({ maxMessageBytes: 2000 });
    const ra = new Recorder();
    const rb = new Recorder();
    const a = new UdpTransport({ host, port: 0, limits, localDelivery }, ra);
    const b = new UdpTransport({ host, port: 0, limits, localDelivery }, rb);
    t.after(() => Promise.all([a.close(), b.close()]));
    await a.listen();
    await b.listen();
    assert.ok(a.address.port > 0);
    a.send(Buffer.from(sipRequest('OPTIONS', 1)), { host, port: b.address.port });
    await waitFor(() => rb.messages.length === 1, 'datagram at b');
    const m = rb.messages[0]!;
    assert.equal(m.source.transport, 'UDP');
    assert.equal(m.source.host, host);
    assert.equal(m.source.port, a.address.port);
    assert.equal(m.source.connectionId, undefined);
    assert.match(m.data.toString(), /^OPTIONS sip:bob@example.com SIP\/2.0\r\n/);

    // RFC 5626-style CRLF keep-alive datagrams are counted, not handed up; oversized ones are dropped
    a.send(Buffer.from('\r\n\r\n'), { host, port: b.address.port });
    a.send(Buffer.alloc(2500, 0x41), { host, port: b.address.port });
    b.send(Buffer.from(sipRequest('INFO', 2)), { host, port: a.address.port });
    await waitFor(() => ra.messages.length === 1 && rb.keepalives.length === 1 && rb.drops.length === 1, 'keepalive, drop, reply');
    assert.deepEqual(rb.drops, ['too-big']);
    assert.equal(rb.messages.length, 1);
  });
}

test('UDP send error is reported to the per-message callback, never thrown', async (t) => {
  const r = new Recorder();
  const a = new UdpTransport({ host: '127.0.0.1', port: 0, limits: resolveLimits() }, r);
  await a.listen();
  await a.close();
  let code = '';
  a.send(Buffer.from('x'), { host: '127.0.0.1', port: 9 }, (e) => (code = e.code));
  await waitFor(() => code !== '', 'error callback');
  assert.equal(code, 'SIP_ERR_TRANSPORT_CLOSED');
  t.diagnostic(`errors: ${r.errors.length}`);
});

test('UDP: a host that took a datagram is verified; later sends to it still arrive (no callback path)', async (t) => {
  const { a, b, ra, rb } = await socketPair(t);
  assert.equal(a.isVerified('127.0.0.1'), false);
  a.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: '127.0.0.1', port: b.address.port });
  await waitFor(() => a.isVerified('127.0.0.1'), 'first send completed');
  for (let i = 2; i <= 5; i++) a.send(Buffer.from(sipRequest('OPTIONS', i)), { host: '127.0.0.1', port: b.address.port });
  await waitFor(() => rb.messages.length === 5, 'all datagrams at b');
  assert.equal(ra.errors.length, 0);
});

test('UDP: a datagram the kernel refuses is reported each time to an unverified host', async (t) => {
  const r = new Recorder();
  const a = new UdpTransport({ host: '0.0.0.0', port: 0, limits: resolveLimits() }, r);
  t.after(() => a.close());
  await a.listen();
  // broadcast without SO_BROADCAST: EACCES from sendmsg, synchronously
  const codes: string[] = [];
  for (let i = 0; i < 2; i++) a.send(Buffer.from('x'), { host: '255.255.255.255', port: 5060 }, (e) => codes.push(e.code));
  await waitFor(() => codes.length === 2, 'both errors');
  assert.deepEqual(codes, ['SIP_ERR_TRANSPORT_SEND', 'SIP_ERR_TRANSPORT_SEND']);
  assert.equal(r.errors.length, 2);
  assert.equal(a.isVerified('255.255.255.255'), false);
});

test('UDP: IP literals skip the resolver, names do not', () => {
  assert.equal(looksLikeIp('192.0.2.1', 4), true);
  assert.equal(looksLikeIp('example.com', 4), false);
  assert.equal(looksLikeIp('', 4), false);
  assert.equal(looksLikeIp('2001:db8::1', 6), true);
  assert.equal(looksLikeIp('example.com', 6), false);
});

test('UDP: a host name is resolved for sending', async (t) => {
  const rb = new Recorder();
  const a = new UdpTransport({ host: '127.0.0.1', port: 0, limits: resolveLimits() }, new Recorder());
  const b = new UdpTransport({ host: '127.0.0.1', port: 0, limits: resolveLimits() }, rb);
  t.after(() => Promise.all([a.close(), b.close()]));
  await a.listen();
  await b.listen();
  a.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: 'localhost', port: b.address.port });
  await waitFor(() => rb.messages.length === 1, 'datagram via localhost');
});

test('UDP process-local delivery: in order, on a later turn, from a wildcard bind as the kernel would show it; a closed receiver is not reached', async (t) => {
  const limits = resolveLimits();
  const ra = new Recorder();
  const rb = new Recorder();
  const a = new UdpTransport({ host: '0.0.0.0', port: 0, limits }, ra);
  const b = new UdpTransport({ host: '127.0.0.1', port: 0, limits }, rb);
  t.after(() => Promise.all([a.close(), b.close()]));
  await a.listen();
  await b.listen();
  // 200: more than one event-loop turn's share (64), so the rest waits for later turns, still in order
  for (let i = 1; i <= 200; i++) a.send(Buffer.from(sipRequest('OPTIONS', i)), { host: '127.0.0.1', port: b.address.port });
  assert.equal(rb.messages.length, 0, 'never delivered inside send()');
  await new Promise((r) => setImmediate(r));
  assert.ok(rb.messages.length > 0 && rb.messages.length < 200, `one turn delivers a share (${rb.messages.length})`);
  await waitFor(() => rb.messages.length === 200, 'all 200 at b');
  assert.deepEqual(rb.messages.map((m) => /CSeq: (\d+)/.exec(m.data.toString())?.[1]), Array.from({ length: 200 }, (_, i) => String(i + 1)));
  assert.equal(rb.messages[0]!.source.host, '127.0.0.1');
  assert.equal(rb.messages[0]!.source.port, a.address.port);
  // b replies to the source it saw: the wildcard-bound a is not registered for local delivery, so the kernel carries it
  b.send(Buffer.from(sipRequest('INFO', 1)), { host: '127.0.0.1', port: a.address.port });
  await waitFor(() => ra.messages.length === 1, 'reply at a through the socket');
  // a closed receiver leaves the local table: the datagram goes to the (closed) port, nothing is delivered
  const port = b.address.port;
  await b.close();
  a.send(Buffer.from(sipRequest('OPTIONS', 99)), { host: '127.0.0.1', port });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(rb.messages.length, 200);
});

test('UDP reliable in-process hop: only between two reliableInProcess transports; it carries the twin, marks the source, never drops, and fails what a closing receiver still holds', async (t) => {
  const limits = resolveLimits();
  const rb = new Recorder();
  const open = (reliableInProcess: boolean, host = '127.0.0.1', r = new Recorder()) => new UdpTransport({ host, port: 0, limits, reliableInProcess }, r);
  const a = open(true);
  const b = open(true, '127.0.0.1', rb);
  const plainSender = open(false);
  const plainReceiver = open(false);
  const wildSender = open(true, '0.0.0.0');
  t.after(() => Promise.all([a, b, plainSender, plainReceiver, wildSender].map((x) => x.close())));
  for (const x of [a, b, plainSender, plainReceiver, wildSender]) await x.listen();
  const to = (x: UdpTransport) => ({ host: '127.0.0.1', port: x.address.port });
  assert.equal(a.deliversReliably(to(b)), true);
  assert.equal(a.deliversReliably(to(plainReceiver)), false, 'a plain receiver');
  assert.equal(plainSender.deliversReliably(to(b)), false, 'a plain sender');
  assert.equal(wildSender.deliversReliably(to(b)), false, 'a wildcard-bound sender (not registered for local delivery)');

  const twin = { parsed: true };
  const data = Buffer.from(sipRequest('OPTIONS', 1));
  a.send(data, to(b), undefined, twin);
  plainSender.send(Buffer.from(sipRequest('OPTIONS', 2)), to(b), undefined, twin);
  await waitFor(() => rb.messages.length === 2, 'both at b');
  assert.equal(rb.messages[0]!.data, data);
  assert.equal(rb.messages[0]!.twin, twin);
  assert.equal(rb.messages[0]!.source.inProcess, true);
  assert.equal(rb.messages[1]!.twin, undefined, 'no twin from a plain sender');
  assert.equal(rb.messages[1]!.source.inProcess, undefined);

  // more than a plain receiver's backlog (20 000) in one turn: the reliable hop takes them all
  rb.messages.length = 0;
  const n = 20_100;
  for (let i = 0; i < n; i++) a.send(data, to(b));
  await waitFor(() => rb.messages.length === n, 'every datagram at b', 20_000);
  assert.equal(rb.drops.length, 0);

  // a plain local receiver drops above its backlog, like a full socket buffer
  const rp = new Recorder();
  const plainB = open(false, '127.0.0.1', rp);
  t.after(() => plainB.close());
  await plainB.listen();
  for (let i = 0; i < n; i++) plainSender.send(data, to(plainB));
  await waitFor(() => rp.messages.length === 20_000, 'the backlog at the plain receiver', 20_000);
  assert.equal(rp.drops.length, n - 20_000);

  // a receiver closing with datagrams of the reliable hop still queued: each sender hears of it
  const errors: string[] = [];
  for (let i = 0; i < 3; i++) a.send(data, to(b), (e) => errors.push(e.code));
  plainSender.send(data, to(b), (e) => errors.push(`plain ${e.code}`));
  await b.close();
  await waitFor(() => errors.length === 3, 'three send errors');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(errors, ['SIP_ERR_TRANSPORT_CLOSED', 'SIP_ERR_TRANSPORT_CLOSED', 'SIP_ERR_TRANSPORT_CLOSED'], 'a plain sender\'s datagram is lost as in a socket buffer');
  assert.equal(a.deliversReliably({ host: '127.0.0.1', port: rb.messages[0]!.source.local.port }), false, 'a closed receiver');
});

test('UDP: the datagrams of one turn leave together at its end, in order; close() still sends what it was handed', async (t) => {
  const { a, b, rb } = await socketPair(t);
  const to = { host: '127.0.0.1', port: b.address.port };
  for (let i = 1; i <= 20; i++) a.send(Buffer.from(sipRequest('OPTIONS', i)), to);
  await waitFor(() => rb.messages.length === 20, '20 datagrams');
  assert.deepEqual(rb.messages.map((m) => /CSeq: (\d+)/.exec(m.data.toString())?.[1]), Array.from({ length: 20 }, (_, i) => String(i + 1)));

  // handed over, then the transport closes in the same turn: the datagram is not lost with the pending flush
  a.send(Buffer.from(sipRequest('OPTIONS', 21)), to);
  await a.close();
  await waitFor(() => rb.messages.length === 21, 'the datagram sent just before close');
});

test('UDP: a destination port dgram refuses (0, from a Via of host:0) is a reported send error, not a crash; the rest of the turn still leaves', async (t) => {
  const { a, b, rb } = await socketPair(t);
  const errors: string[] = [];
  a.send(Buffer.from(sipRequest('OPTIONS', 1)), { host: '127.0.0.1', port: 0 }, (e) => errors.push(e.code));
  a.send(Buffer.from(sipRequest('OPTIONS', 2)), { host: '127.0.0.1', port: 70_000 }, (e) => errors.push(e.code));
  a.send(Buffer.from(sipRequest('OPTIONS', 3)), { host: '127.0.0.1', port: b.address.port });
  await waitFor(() => errors.length === 2 && rb.messages.length === 1, 'two refusals and the good datagram');
  assert.deepEqual(errors, ['SIP_ERR_TRANSPORT_SEND', 'SIP_ERR_TRANSPORT_SEND']);
  assert.match(rb.messages[0]!.data.toString(), /CSeq: 3 OPTIONS/);
});
