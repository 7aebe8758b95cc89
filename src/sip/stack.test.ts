import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { createRequest, createResponse, type SipRequest, type SipResponse } from './message.ts';
import { createSipStack, type SipStack } from './stack.ts';
import type { ServerTransaction } from './transaction/types.ts';
import { waitFor } from './transport/test-support.ts';

type T = { after(fn: () => unknown): void };

async function stack(t: T, transports: Array<'udp' | 'tcp'> = ['udp', 'tcp'], host = '127.0.0.1'): Promise<SipStack> {
  const s = await createSipStack({ listen: transports.map((transport) => ({ transport, host, port: 0 })), onInternalError: (e) => { throw e; } });
  t.after(() => s.close());
  return s;
}

function udpPeer(t: T, host = '127.0.0.1'): Promise<{ sock: dgram.Socket; port: number; got: string[] }> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString('latin1')));
    t.after(() => sock.close());
    sock.bind(0, host, () => resolve({ sock, port: sock.address().port, got }));
  });
}

const options = (viaHostPort: string, transport: string, opts: { rport?: boolean; branch?: string; cseq?: string } = {}) =>
  `OPTIONS sip:service@example.com SIP/2.0\r\n` +
  `Via: SIP/2.0/${transport} ${viaHostPort};branch=${opts.branch ?? 'z9hG4bK' + Math.random().toString(36).slice(2)}${opts.rport === false ? '' : ';rport'}\r\n` +
  `Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:service@example.com>\r\n` +
  `Call-ID: ${Math.random().toString(36).slice(2)}@test\r\nCSeq: ${opts.cseq ?? '1 OPTIONS'}\r\nContent-Length: 0\r\n\r\n`;

function answer200(s: SipStack): SipRequest[] {
  const seen: SipRequest[] = [];
  s.onRequest((req: SipRequest, tx: ServerTransaction) => {
    seen.push(req);
    tx.respond(createResponse(req, 200, 'OK', { toTag: 'srv' }));
  });
  return seen;
}

for (const host of ['127.0.0.1', '::1']) {
  test(`UDP ${host}: RFC 3581 rport/received stamped on the request; the response goes to the source port`, async (t) => {
    const s = await stack(t, ['udp'], host);
    const seen = answer200(s);
    const peer = await udpPeer(t, host);
    const port = s.addresses[0]!.port;
    // the Via names a host and port that are not the packet's source
    peer.sock.send(options('phone.invalid:5999', 'UDP'), port, host);
    await waitFor(() => peer.got.length === 1, '200 at the source port');
    const via = seen[0]!.topVia;
    assert.equal(via.params.get('rport'), String(peer.port));
    assert.equal(via.params.get('received'), host);
    assert.match(peer.got[0]!, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(peer.got[0]!, new RegExp(`;rport=${peer.port}`));
    assert.equal(s.metrics.get('parsed'), 1);
  });
}

test('UDP without rport: the response goes to received at the sent-by port (RFC 3261 §18.2.2)', async (t) => {
  const s = await stack(t, ['udp']);
  answer200(s);
  const sender = await udpPeer(t);
  const viaTarget = await udpPeer(t);
  sender.sock.send(options(`127.0.0.1:${viaTarget.port}`, 'UDP', { rport: false }), s.addresses[0]!.port, '127.0.0.1');
  await waitFor(() => viaTarget.got.length === 1, 'response at the sent-by port');
  assert.equal(sender.got.length, 0);
});

test('TCP: the response reuses the request connection, not the Via port', async (t) => {
  const s = await stack(t, ['tcp']);
  const seen = answer200(s);
  const c = net.connect({ host: '127.0.0.1', port: s.addresses[0]!.port });
  t.after(() => c.destroy());
  let got = '';
  c.on('data', (d) => (got += d.toString('latin1')));
  c.write(options('127.0.0.1:1', 'TCP', { rport: false }));
  await waitFor(() => got.includes('200 OK'), 'response on the same connection');
  assert.ok(seen[0]!.topVia.params.get('received') === undefined, 'sent-by IP equals the source: no received');
  assert.equal(s.connectionCount, 1);
});

test('malformed request gets 400 with a reason naming the fault, over UDP and TCP', async (t) => {
  const s = await stack(t);
  const seen = answer200(s);
  const peer = await udpPeer(t);
  const [udp, tcp] = s.addresses;
  peer.sock.send(options('127.0.0.1:1', 'UDP', { cseq: 'abc OPTIONS' }), udp!.port, '127.0.0.1');
  await waitFor(() => peer.got.length === 1, '400 over UDP');
  assert.match(peer.got[0]!, /^SIP\/2\.0 400 Bad CSeq\r\n/);
  assert.match(peer.got[0]!, /Call-ID: /);
  const c = net.connect({ host: '127.0.0.1', port: tcp!.port });
  t.after(() => c.destroy());
  let got = '';
  c.on('data', (d) => (got += d.toString('latin1')));
  c.write(options('127.0.0.1:1', 'TCP', { cseq: '1 INVITE' }));
  await waitFor(() => got.startsWith('SIP/2.0 400'), '400 over TCP');
  assert.match(got, /^SIP\/2\.0 400 [A-Za-z -]*CSeq[A-Za-z -]*\r\n/);
  assert.equal(seen.length, 0);
  assert.equal(s.metrics.get('rejected'), 2);
  // unreadable garbage is dropped, and the stack keeps answering
  peer.sock.send(Buffer.from([0, 1, 2, 255, 13, 10]), udp!.port, '127.0.0.1');
  peer.sock.send(options('127.0.0.1:1', 'UDP'), udp!.port, '127.0.0.1');
  await waitFor(() => peer.got.length === 2, 'still answering');
  assert.match(peer.got[1]!, /^SIP\/2\.0 200 OK/);
  assert.ok(s.metrics.get('dropped') >= 1);
});

test('UAC over UDP: request out, response in; malformed and foreign-Via responses are dropped and counted', async (t) => {
  const s = await stack(t, ['udp']);
  const peer = await udpPeer(t);
  const responses: SipResponse[] = [];
  const req = createRequest({
    method: 'OPTIONS',
    uri: `sip:peer@127.0.0.1:${peer.port}`,
    headers: [
      ['From', '<sip:me@example.com>;tag=m1'],
      ['To', `<sip:peer@127.0.0.1:${peer.port}>`],
      ['Call-ID', 'uac-1@test'],
      ['CSeq', '1 OPTIONS'],
      ['Max-Forwards', '70'],
    ],
  });
  s.sendRequest(req, { transport: 'UDP', host: '127.0.0.1', port: peer.port }, { onResponse: (r) => responses.push(r) });
  await waitFor(() => peer.got.length >= 1, 'request at peer');
  const sent = peer.got[0]!;
  const via = /^Via: (.*)$/m.exec(sent)![1]!.trim();
  assert.match(via, new RegExp(`^SIP/2.0/UDP 127.0.0.1:${s.addresses[0]!.port};branch=z9hG4bK`));
  const reply = (status: string, v: string, cseq = '1 OPTIONS') =>
    `SIP/2.0 ${status}\r\nVia: ${v}\r\nFrom: <sip:me@example.com>;tag=m1\r\nTo: <sip:peer@x>;tag=p\r\nCall-ID: uac-1@test\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
  const port = s.addresses[0]!.port;
  peer.sock.send(reply('200 OK', via, 'x OPTIONS'), port, '127.0.0.1'); // bad CSeq
  peer.sock.send(reply('200 OK', via.replace(/127\.0\.0\.1:\d+/, '192.0.2.1:5060')), port, '127.0.0.1'); // not our Via
  peer.sock.send('SIP/2.0 2000 Huh\r\n\r\n', port, '127.0.0.1'); // unreadable
  peer.sock.send(reply('200 OK', via), port, '127.0.0.1');
  await waitFor(() => responses.length === 1, 'the good response');
  assert.equal(responses[0]!.status, 200);
  assert.equal(s.metrics.get('badResponses'), 3);
  assert.equal(s.metrics.get('rejected'), 0, 'responses are never answered');
});

test('transport failure of an outgoing request reaches the transaction (TCP connect refused)', async (t) => {
  const s = await stack(t, ['tcp']);
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const req = createRequest({
    method: 'OPTIONS',
    uri: `sip:x@127.0.0.1:${port};transport=tcp`,
    headers: [['From', '<sip:me@example.com>;tag=1'], ['To', '<sip:x@example.com>'], ['Call-ID', 'c@t'], ['CSeq', '1 OPTIONS']],
  });
  let failure = '';
  s.sendRequest(req, { transport: 'TCP', host: '127.0.0.1', port }, { onTransportError: (e) => (failure = e.message) });
  await waitFor(() => failure !== '', 'transport error callback');
  assert.match(failure, /SIP_ERR_TRANSPORT_CONNECT/);
});

test('robustness: 3000 mutated datagrams and stream chunks never throw past the transport; the stack keeps answering', async (t) => {
  const s = await stack(t);
  answer200(s);
  const peer = await udpPeer(t);
  const [udp, tcp] = s.addresses;
  const seed = Number(process.env.SIP_FUZZ_SEED ?? 0x5eed);
  let x = seed >>> 0;
  const rnd = (n: number) => {
    // xorshift32: reproducible from the printed seed
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  t.diagnostic(`seed ${seed}`);
  const base = Buffer.from(options('127.0.0.1:1', 'UDP'));
  const mutate = (): Buffer => {
    const b = Buffer.from(base);
    const kind = rnd(4);
    if (kind === 0) for (let i = 0; i < 1 + rnd(8); i++) b[rnd(b.length)] = rnd(256);
    if (kind === 1) return b.subarray(0, rnd(b.length));
    if (kind === 2) return Buffer.concat([b.subarray(0, rnd(b.length)), Buffer.from('\r\n:;,<>"\\\0'), b.subarray(rnd(b.length))]);
    if (kind === 3) b.write(['Via', 'CSeq', 'To', 'From', 'Call-ID'][rnd(5)]!.padEnd(8, '\0'), b.indexOf('\n') + 1, 'latin1');
    return b;
  };
  const c = net.connect({ host: '127.0.0.1', port: tcp!.port });
  t.after(() => c.destroy());
  c.on('error', () => {});
  for (let i = 0; i < 3000; i++) {
    const m = mutate();
    peer.sock.send(m, udp!.port, '127.0.0.1');
    if (i % 3 === 0 && !c.destroyed) c.write(m);
    if (i % 25 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  const before = peer.got.length;
  peer.sock.send(options('127.0.0.1:1', 'UDP'), udp!.port, '127.0.0.1');
  await waitFor(() => peer.got.slice(before).some((m) => m.startsWith('SIP/2.0 200 OK')), 'a clean request still answered');
  const m = s.metrics.snapshot();
  t.diagnostic(`received ${m.received} parsed ${m.parsed} rejected ${m.rejected} dropped ${m.dropped} ${JSON.stringify(m.dropReasons)}`);
  assert.ok(m.received > 1500, 'most mutations reached the stack');
  assert.ok(m.rejected > 0, 'some mutations are answered with 4xx');
});

test('WS: a request towards a WebSocket client reuses its connection (in-dialog / registered flow)', async (t) => {
  const { WebSocket } = await import('ws');
  const s = await createSipStack({ listen: [{ transport: 'ws', host: '127.0.0.1', port: 0 }] });
  t.after(() => s.close());
  let flow: { connectionId?: string; host: string; port: number } | undefined;
  s.onRequest((req, tx) => {
    flow = tx.source;
    tx.respond(createResponse(req, 200, 'OK', { toTag: 'reg' }));
  });
  const ws = new WebSocket(`ws://127.0.0.1:${s.addresses[0]!.port}/`, 'sip');
  t.after(() => ws.terminate());
  const got: string[] = [];
  ws.on('message', (d) => got.push(d.toString()));
  await new Promise((r) => ws.once('open', r));
  ws.send(options('df7jal23ls0d.invalid', 'WS'));
  await waitFor(() => got.length === 1, '200 to the client request');
  assert.match(got[0]!, /^SIP\/2\.0 200 OK/);
  assert.match(got[0]!, /received=127\.0\.0\.1/);
  // the stack now calls the client: the Contact host is unroutable, the flow is the connection
  const req = createRequest({
    method: 'MESSAGE',
    uri: 'sip:alice@df7jal23ls0d.invalid;transport=ws',
    headers: [['From', '<sip:sy@example.com>;tag=s1'], ['To', '<sip:alice@example.com>'], ['Call-ID', 'ws-1@t'], ['CSeq', '1 MESSAGE']],
    body: 'hi',
  });
  const responses: number[] = [];
  s.sendRequest(req, { transport: 'WS', host: flow!.host, port: flow!.port, connectionId: flow!.connectionId! }, { onResponse: (r) => responses.push(r.status) });
  await waitFor(() => got.length === 2, 'request over the same WebSocket');
  const inbound = got[1]!;
  assert.match(inbound, /^MESSAGE sip:alice@df7jal23ls0d\.invalid;transport=ws SIP\/2\.0\r\n/);
  const via = /^Via: (.*)\r$/m.exec(inbound)![1]!;
  const cseq = /^CSeq: (.*)\r$/m.exec(inbound)![1]!;
  ws.send(`SIP/2.0 200 OK\r\nVia: ${via}\r\nFrom: <sip:sy@example.com>;tag=s1\r\nTo: <sip:alice@example.com>;tag=a\r\nCall-ID: ws-1@t\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`);
  await waitFor(() => responses.length === 1, 'response matched to the client transaction');
  assert.deepEqual(responses, [200]);
  assert.equal(s.connectionCount, 1);
});

test('TCP: when the request connection is gone, the response goes over a new connection to the sent-by port (§18.2.2)', async (t) => {
  const s = await stack(t, ['tcp']);
  let pending: (() => void) | undefined;
  s.onRequest((req, tx) => {
    pending = () => tx.respond(createResponse(req, 200, 'OK', { toTag: 'x' }));
  });
  // the client's own listener, named in its Via sent-by
  let got = '';
  const clientServer = net.createServer((sock) => sock.on('data', (d) => (got += d.toString('latin1'))));
  await new Promise<void>((r) => clientServer.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => clientServer.close(r)));
  const sentByPort = (clientServer.address() as net.AddressInfo).port;
  const c = net.connect({ host: '127.0.0.1', port: s.addresses[0]!.port });
  c.on('error', () => {});
  c.write(options(`127.0.0.1:${sentByPort}`, 'TCP', { rport: false }));
  await waitFor(() => pending !== undefined, 'request at the TU');
  c.destroy();
  await waitFor(() => s.connectionCount === 0, 'request connection closed');
  pending!();
  await waitFor(() => got.startsWith('SIP/2.0 200 OK'), 'response over a new connection to the sent-by port');
  assert.equal(s.connectionCount, 1, 'one new outbound connection');
});

test('onBeforeRequest: a dropped request from a banned source gets no response and no transaction', async (t) => {
  const s = await stack(t, ['udp']);
  const seen = answer200(s);
  const banned = await udpPeer(t);
  const good = await udpPeer(t);
  s.onBeforeRequest((_req, source) => (source.port === banned.port ? 'drop' : undefined));
  const port = s.addresses[0]!.port;
  banned.sock.send(options(`127.0.0.1:${banned.port}`, 'UDP'), port, '127.0.0.1');
  good.sock.send(options(`127.0.0.1:${good.port}`, 'UDP'), port, '127.0.0.1');
  await waitFor(() => good.got.length === 1, '200 to the accepted source');
  await waitFor(() => s.tx.stats.screened === 1, 'the banned request screened');
  assert.equal(seen.length, 1);
  assert.equal(banned.got.length, 0);
  assert.equal(s.tx.stats.serverTransactions, 1);
});

test('process-local hop to a reliableInProcess listener runs as reliable: no retransmissions, no Timer J; to a plain one, UDP timers as usual', async (t) => {
  // T1 = 20 ms: Timer E would resend at 20, 60, 140 ms, Timer J keep the server transaction 64*T1 = 1.28 s
  const timers = { T1: 20, T2: 80, T4: 100 };
  const make = async (reliableInProcess: boolean) => {
    const s = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0, reliableInProcess }], timers, onInternalError: (e) => { throw e; } });
    t.after(() => s.close());
    return s;
  };
  const sender = await make(true);
  for (const reliable of [true, false]) {
    const receiver = await make(reliable);
    const held: Array<{ req: SipRequest; tx: ServerTransaction }> = [];
    receiver.onRequest((req: SipRequest, tx: ServerTransaction) => held.push({ req, tx }));
    const port = receiver.addresses[0]!.port;
    const responses: SipResponse[] = [];
    const req = createRequest({
      method: 'OPTIONS',
      uri: `sip:svc@127.0.0.1:${port}`,
      headers: [['From', '<sip:me@example.com>;tag=m1'], ['To', '<sip:svc@example.com>'], ['Call-ID', `ip-${String(reliable)}@test`], ['CSeq', '1 OPTIONS'], ['Max-Forwards', '70']],
    });
    sender.sendRequest(req, { transport: 'UDP', host: '127.0.0.1', port }, { onResponse: (r) => responses.push(r) });
    await waitFor(() => held.length === 1, 'request at the receiver');
    await new Promise((r) => setTimeout(r, 200));
    const received = receiver.metrics.get('received');
    if (reliable) assert.equal(received, 1, 'no Timer E retransmission on the reliable hop');
    else assert.ok(received >= 3, `Timer E retransmissions on the plain hop (${received})`);
    held[0]!.tx.respond(createResponse(held[0]!.req, 200, 'OK', { toTag: 'svc' }));
    await waitFor(() => responses.length === 1, '200 at the sender');
    await new Promise((r) => setTimeout(r, 100));
    // Timer J: 0 on the reliable hop, 1.28 s on the plain one; Timer K: 0 / T4 (100 ms) on the sender
    assert.equal(receiver.tx.stats.serverTransactions, reliable ? 0 : 1, 'server transaction after its final response');
  }
});

test('reliable in-process hop: requests still queued when the receiver closes fail their transactions at once (no retransmission would save them)', async (t) => {
  const s = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0, reliableInProcess: true }], onInternalError: (e) => { throw e; } });
  const r = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0, reliableInProcess: true }], onInternalError: (e) => { throw e; } });
  t.after(() => Promise.all([s.close(), r.close()]));
  const port = r.addresses[0]!.port;
  const failed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const req = createRequest({
      method: 'OPTIONS',
      uri: `sip:svc@127.0.0.1:${port}`,
      headers: [['From', '<sip:me@example.com>;tag=m1'], ['To', '<sip:svc@example.com>'], ['Call-ID', `cl-${i}@test`], ['CSeq', '1 OPTIONS'], ['Max-Forwards', '70']],
    });
    s.sendRequest(req, { transport: 'UDP', host: '127.0.0.1', port }, { onTransportError: () => failed.push(req.callId) });
  }
  await r.close();
  await waitFor(() => failed.length === 3, 'three transport errors', 2000);
  assert.equal(s.tx.stats.clientTransactions, 0);
});
