// Two user agents (and a small registrar) over the in-memory network with the fake clock: no sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import { createResponse, type SipRequest } from '../message.ts';
import { DigestServer } from '../digest/server.ts';
import { TransactionLayer } from '../transaction/layer.ts';
import { MemoryNetwork, type RecordingSink } from '../transaction/memory-sink.ts';
import type { TransportName } from '../transaction/types.ts';
import { UserAgent, type IncomingCall } from './user-agent.ts';
import { formatDtmfRelay, parseDtmfRelay } from './dtmf.ts';

const SDP_A = 'v=0\r\no=a 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const SDP_B = 'v=0\r\no=b 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

function world() {
  const clock = new FakeClock();
  const net = new MemoryNetwork(clock, 2);
  const sinks = new Map<string, RecordingSink>();
  const node = (host: string, port = 5060, transport: TransportName = 'UDP') => {
    let layer!: TransactionLayer;
    const sink = net.attach({ host, port, transport, receive: (m, s) => layer.receive(m, s) });
    layer = new TransactionLayer({ sink, clock, sentBy: () => ({ host, port }) });
    sinks.set(host, sink);
    return layer;
  };
  /** Advance fake time until the promise settles (bounded). */
  const settle = async <T>(p: Promise<T>, maxMs = 60_000): Promise<T> => {
    let done = false;
    let value: T;
    void p.then((v) => {
      done = true;
      value = v;
    });
    for (let t = 0; t < maxMs && !done; t += 5) {
      clock.tick(5);
      await Promise.resolve();
      await Promise.resolve();
    }
    assert.ok(done, 'promise did not settle');
    return value!;
  };
  return { clock, net, node, sinks, settle };
}

test('register with digest (401 then 200) against a test registrar', async () => {
  const w = world();
  const reg = w.node('203.0.113.1');
  const digest = new DigestServer({ realm: 'example.com', secret: 'k', clock: w.clock });
  const bindings = new Map<string, string>();
  reg.onRequest((req, tx) => {
    const r = digest.verify({ method: req.method, credentials: req.headers.getAll('authorization'), lookup: (u) => (u === 'alice' ? { password: 'pw' } : undefined) });
    if (!r.ok) {
      const ch = digest.challenge({ stale: r.stale });
      tx.respond(createResponse(req, ch.status, undefined, { toTag: 'r1', headers: ch.values.map((v): [string, string] => [ch.name, v]) }));
      return;
    }
    bindings.set(r.username, req.headers.get('contact')!);
    tx.respond(createResponse(req, 200, undefined, { toTag: 'r1', headers: [['Contact', `${req.headers.get('contact')};expires=600`]] }));
  });
  const alice = new UserAgent({
    layer: w.node('192.0.2.10'),
    aor: 'sip:alice@example.com',
    contact: { host: '192.0.2.10', port: 5060, transport: 'UDP' },
    outbound: { transport: 'UDP', host: '203.0.113.1', port: 5060 },
    credentials: { username: 'alice', password: 'pw' },
  });
  const r = await w.settle(alice.register());
  assert.ok(r.ok);
  assert.equal(r.expires, 600);
  assert.equal(bindings.get('alice'), '<sip:alice@192.0.2.10:5060>');
  const sink = w.sinks.get('192.0.2.10')!;
  const regs = sink.sent.filter((s) => s.msg.isRequest && s.msg.method === 'REGISTER').map((s) => s.msg as SipRequest);
  assert.equal(regs.length, 2);
  assert.equal(regs[0]!.headers.has('authorization'), false);
  assert.match(regs[1]!.headers.get('authorization')!, /algorithm=SHA-256/);
  assert.equal(regs[1]!.cseq.seq, regs[0]!.cseq.seq + 1);
  assert.notEqual(regs[1]!.topVia.branch, regs[0]!.topVia.branch);
  // Wrong password → the failure comes back as a value.
  const mallory = new UserAgent({
    layer: w.node('192.0.2.66'),
    aor: 'sip:alice@example.com',
    contact: { host: '192.0.2.66', port: 5060, transport: 'UDP' },
    outbound: { transport: 'UDP', host: '203.0.113.1', port: 5060 },
    credentials: { username: 'alice', password: 'guess' },
  });
  const bad = await w.settle(mallory.register());
  assert.deepEqual(bad.ok ? 'ok' : bad.status, 401);
});

function twoUas() {
  const w = world();
  const alice = new UserAgent({ layer: w.node('192.0.2.10'), aor: 'sip:alice@example.com', contact: { host: '192.0.2.10', port: 5060, transport: 'UDP' } });
  const bob = new UserAgent({ layer: w.node('198.51.100.7'), aor: 'sip:bob@example.com', contact: { host: '198.51.100.7', port: 5060, transport: 'UDP' } });
  return { ...w, alice, bob };
}

test('call, ring, answer with SDP, DTMF via INFO both ways, re-INVITE, hang up', async () => {
  const w = twoUas();
  let incoming: IncomingCall | undefined;
  w.bob.onCall((c) => {
    incoming = c;
    c.ringing();
  });
  const call = w.alice.invite('sip:bob@198.51.100.7:5060', { sdp: SDP_A });
  w.clock.tick(20);
  assert.ok(incoming);
  assert.equal(call.state, 'ringing');
  assert.equal(incoming.remoteSdp, SDP_A);
  assert.equal(incoming.from, 'sip:alice@example.com');
  const acked = incoming.answer(SDP_B);
  const est = await w.settle(call.established);
  assert.deepEqual(est, { ok: true });
  assert.equal(await w.settle(acked), true);
  assert.equal(call.remoteSdp, SDP_B);
  assert.equal(call.state, 'established');
  assert.equal(incoming.state, 'established');
  // DTMF alice → bob and bob → alice.
  for (const d of ['1', '#', '*']) assert.equal(await w.settle(call.info(d)), 200);
  assert.deepEqual(incoming.dtmf, ['1', '#', '*']);
  assert.equal(await w.settle(incoming.info('9')), 200);
  assert.deepEqual(call.dtmf, ['9']);
  // CSeq grows on each side independently.
  assert.equal(call.dialog!.localSeq, 4);
  // re-INVITE from bob (ACKed by bob, alice's 2xx retransmission stops) and UPDATE from alice.
  const bobSink = w.sinks.get('198.51.100.7')!;
  assert.equal(await w.settle(incoming.reinvite(SDP_B.replace('5000', '5002'))), 200);
  assert.equal(call.remoteSdp, SDP_B.replace('5000', '5002'));
  assert.equal(incoming.remoteSdp, SDP_A); // alice answered with her current SDP
  assert.equal(bobSink.count('ACK'), 1);
  w.clock.tick(5000);
  assert.equal(w.sinks.get('192.0.2.10')!.count('200 INVITE'), 1); // no 2xx retransmissions after the ACK
  assert.equal(await w.settle(call.request('UPDATE', { body: SDP_A, contentType: 'application/sdp' })), 200);
  // Hang up from alice: bob sees a remote BYE.
  assert.equal(await w.settle(call.hangup()), 200);
  const end = await w.settle(incoming.ended);
  assert.deepEqual(end, { by: 'remote', reason: 'BYE' });
  assert.equal(w.alice.dialogs.size, 0);
  assert.equal(w.bob.dialogs.size, 0);
  // A BYE for the gone dialog is answered 481 (RFC 3261 §12.2.2).
  const stale = call.dialog!.createRequest('BYE');
  let status = 0;
  w.alice.layer.sendRequest(stale, { transport: 'UDP', host: '198.51.100.7', port: 5060 }, { onResponse: (r) => (status = r.status) });
  w.clock.tick(20);
  assert.equal(status, 481);
});

test('caller cancels while ringing: 200 CANCEL, 487 INVITE, both calls end', async () => {
  const w = twoUas();
  let incoming: IncomingCall | undefined;
  w.bob.onCall((c) => {
    incoming = c;
    c.ringing();
  });
  const call = w.alice.invite('sip:bob@198.51.100.7:5060', { sdp: SDP_A });
  w.clock.tick(20);
  void call.hangup();
  const r = await w.settle(call.established);
  assert.deepEqual(r, { ok: false, status: 487, reason: 'Request Terminated' });
  assert.equal((await w.settle(call.ended)).by, 'local');
  const e = await w.settle(incoming!.ended);
  assert.equal(e.status, 487);
  const bobSink = w.sinks.get('198.51.100.7')!;
  assert.equal(bobSink.count('200 CANCEL'), 1);
  assert.equal(bobSink.count('487 INVITE'), 1);
});

test('CANCEL loses the race against the 2xx: the caller ACKs and BYEs the dialog', async () => {
  const w = twoUas();
  let incoming: IncomingCall | undefined;
  w.bob.onCall((c) => {
    incoming = c;
    c.ringing();
  });
  const call = w.alice.invite('sip:bob@198.51.100.7:5060', { sdp: SDP_A });
  w.clock.tick(20);
  void incoming!.answer(SDP_B); // 200 leaves bob before the CANCEL arrives
  void call.hangup();
  const e = await w.settle(incoming!.ended);
  assert.deepEqual(e, { by: 'remote', reason: 'BYE' });
  assert.equal((await w.settle(call.ended)).by, 'local');
  const aliceSink = w.sinks.get('192.0.2.10')!;
  assert.equal(aliceSink.count('ACK'), 1);
  assert.equal(aliceSink.count('BYE'), 1);
});

test('callee rejects: 486 reaches the caller; no handler → 480', async () => {
  const w = twoUas();
  w.bob.onCall((c) => c.reject(486, 'Busy Here'));
  const r = await w.settle(w.alice.invite('sip:bob@198.51.100.7:5060').established);
  assert.deepEqual(r, { ok: false, status: 486, reason: 'Busy Here' });
  const r2 = await w.settle(w.bob.invite('sip:alice@192.0.2.10:5060').established);
  assert.ok(!r2.ok && r2.status === 480);
});

test('in-dialog request for an unknown dialog → 481; OPTIONS → 200', async () => {
  const w = twoUas();
  let incoming: IncomingCall | undefined;
  w.bob.onCall((c) => (incoming = c));
  const call = w.alice.invite('sip:bob@198.51.100.7:5060', { sdp: SDP_A });
  w.clock.tick(10);
  void incoming!.answer(SDP_B);
  await w.settle(call.established);
  // Bob forgets the dialog (e.g. restarted): alice's INFO gets 481 and her call ends.
  w.bob.dialogs.remove(incoming!.dialog!);
  assert.equal(await w.settle(call.info('5')), 481);
  assert.equal(call.state, 'terminated');
});

test('dtmf-relay body format', () => {
  assert.equal(formatDtmfRelay('5', 250), 'Signal=5\r\nDuration=250\r\n');
  assert.deepEqual(parseDtmfRelay('Signal=11\r\nDuration=100\r\n'), { digit: '#', durationMs: 100 });
  assert.equal(parseDtmfRelay('Signal=X\r\n'), undefined);
  assert.throws(() => formatDtmfRelay('x'));
});
