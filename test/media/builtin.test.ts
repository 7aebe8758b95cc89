// Builtin media engine with real UDP sockets on 127.0.0.1: two phones exchange RTP through it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { BuiltinMediaEngine } from '../../src/media/builtin/engine.ts';
import { parseRtp, serializeRtp, serializeTelephoneEvent } from '../../src/media/rtp.ts';
import { RtpPhone, audioTarget, reservePortRange, sleep, waitFor } from './support/phone.ts';
import { exchangeTones, setUpCall } from './support/exchange.ts';

const base = reservePortRange(400);
const engine = new BuiltinMediaEngine({ portMin: base, portMax: base + 399 });
after(() => engine.close());

const rtp = (seq: number, fill: number): Buffer =>
  serializeRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc: 42, payload: Buffer.alloc(160, fill) });

test('offer/answer anchor both legs on the engine; RTP flows both ways unchanged', async () => {
  const call = await setUpCall(engine);
  try {
    assert.match(call.offerSdp, /c=IN IP4 127\.0\.0\.1/);
    assert.notEqual(call.toEngineFromBob.port, call.bob.port);
    assert.notEqual(call.toEngineFromAlice.port, call.toEngineFromBob.port);
    assert.equal(call.toEngineFromAlice.port % 2, 0, 'RTP on an even port');
    for (let i = 0; i < 5; i++) {
      await call.alice.send(rtp(i, 0xaa), call.toEngineFromAlice);
      await call.bob.send(rtp(100 + i, 0xbb), call.toEngineFromBob);
    }
    assert.ok(await waitFor(() => call.alice.received.length === 5 && call.bob.received.length === 5));
    assert.deepEqual(call.bob.received[0]?.data, rtp(0, 0xaa), 'relayed byte for byte');
    assert.deepEqual(call.alice.received[4]?.data, rtp(104, 0xbb));
    // RFC 4733 telephone-event passes through as is
    const dtmf = serializeRtp({ payloadType: 101, sequence: 5, timestamp: 800, ssrc: 42, marker: true,
      payload: serializeTelephoneEvent({ event: 5, end: false, volume: 10, duration: 160 }) });
    await call.alice.send(dtmf, call.toEngineFromAlice);
    assert.ok(await waitFor(() => call.bob.received.length === 6));
    assert.deepEqual(call.bob.received[5]?.data, dtmf);
    // each phone hears from the engine port it sends to (symmetric RTP)
    assert.equal(call.bob.received[0]?.from, `127.0.0.1:${call.toEngineFromBob.port}`);
    const q = await engine.query(call.callId);
    assert.ok(q.ok);
    const alice = q.stats.legs.find((l) => l.tag === 'alice-tag');
    const bob = q.stats.legs.find((l) => l.tag === 'bob-tag');
    assert.deepEqual([alice?.packetsIn, alice?.packetsOut, alice?.bytesIn], [6, 5, 5 * 172 + 16]);
    assert.deepEqual([bob?.packetsIn, bob?.packetsOut], [5, 6]);
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
  }
});

test('latching: the engine answers the real source port, not the SDP one, and ignores others after', async () => {
  const call = await setUpCall(engine);
  const natted = await RtpPhone.open(); // alice behind NAT: SDP says alice.port, packets come from here
  const intruder = await RtpPhone.open();
  try {
    // before alice sends anything, bob's packets go to the SDP address
    await call.bob.send(rtp(1, 1), call.toEngineFromBob);
    assert.ok(await waitFor(() => call.alice.received.length === 1));
    await natted.send(rtp(1, 2), call.toEngineFromAlice);
    assert.ok(await waitFor(() => call.bob.received.length === 1));
    await call.bob.send(rtp(2, 3), call.toEngineFromBob);
    assert.ok(await waitFor(() => natted.received.length === 1));
    assert.equal(call.alice.received.length, 1, 'nothing more to the SDP port once latched');
    await intruder.send(rtp(9, 9), call.toEngineFromAlice);
    await natted.send(rtp(2, 4), call.toEngineFromAlice);
    assert.ok(await waitFor(() => call.bob.received.length === 2));
    await sleep(50);
    assert.equal(call.bob.received.length, 2, 'intruder packet dropped');
    assert.equal(parseRtp(call.bob.received[1]?.data ?? Buffer.alloc(0)).ok && call.bob.received[1]?.data[12], 4);
    const q = await engine.query(call.callId);
    assert.ok(q.ok);
    assert.equal(q.stats.legs.find((l) => l.tag === 'alice-tag')?.remote, `127.0.0.1:${natted.port}`);
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
    natted.close();
    intruder.close();
  }
});

test('RTCP is relayed on port + 1', async () => {
  const call = await setUpCall(engine);
  const aliceRtcp = createSocket('udp4');
  const bobRtcp = createSocket('udp4');
  try {
    await new Promise<void>((r) => aliceRtcp.bind(call.alice.port + 1, '127.0.0.1', () => r()));
    await new Promise<void>((r) => bobRtcp.bind(call.bob.port + 1, '127.0.0.1', () => r()));
    const got: Buffer[] = [];
    bobRtcp.on('message', (m) => got.push(m));
    const sr = Buffer.from('80c8000600000001000000000000000000000000000000000000', 'hex');
    aliceRtcp.send(sr, call.toEngineFromAlice.port + 1, '127.0.0.1');
    assert.ok(await waitFor(() => got.length === 1));
    assert.deepEqual(got[0], sr);
  } catch (e) {
    // the phones' port+1 may be taken by another process: that is not what this test checks
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
    aliceRtcp.close();
    bobRtcp.close();
  }
});

test('delete releases every port (kept bound for reuse until trimmed); the call is then unknown', async () => {
  const call = await setUpCall(engine);
  const inUse = engine.pool.inUse;
  assert.ok(inUse >= 2);
  const ports = [call.toEngineFromAlice.port, call.toEngineFromBob.port];
  const del = await engine.delete({ callId: call.callId, fromTag: 'alice-tag' });
  assert.ok(del.ok);
  call.close();
  assert.equal(engine.pool.inUse, inUse - 2);
  assert.ok(engine.pool.idleCount >= 2);
  assert.ok(engine.pool.trim(true) >= 2, 'idle pairs go back to the system when trimmed');
  for (const p of ports.flatMap((p) => [p, p + 1])) {
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(p, '127.0.0.1', () => resolve());
    });
    s.close();
  }
  const q = await engine.query(call.callId);
  assert.ok(!q.ok && q.code === 'unknown_call');
  const again = await engine.delete({ callId: call.callId });
  assert.ok(!again.ok && again.code === 'unknown_call');
});

test('bounded ports: an exhausted range answers ports_exhausted until a call is deleted', async () => {
  const b = reservePortRange(8);
  const small = new BuiltinMediaEngine({ portMin: b, portMax: b + 3 }); // 2 pairs = 1 audio call
  const phone = await RtpPhone.open();
  try {
    const first = await small.offer({ callId: 'a', fromTag: 't', sdp: phone.sdp() });
    assert.ok(first.ok);
    const second = await small.offer({ callId: 'b', fromTag: 't', sdp: phone.sdp() });
    assert.ok(!second.ok && second.code === 'ports_exhausted');
    assert.equal(small.callCount, 1, 'the failed call holds nothing');
    assert.ok((await small.delete({ callId: 'a' })).ok);
    const third = await small.offer({ callId: 'b', fromTag: 't', sdp: phone.sdp() });
    assert.ok(third.ok);
  } finally {
    await small.close();
    phone.close();
  }
  assert.equal(small.pool.inUse, 0);
});

test('codec policy: allowed codecs enforced both ways, no common codec → no_common_codec, nothing allocated', async () => {
  const phone = await RtpPhone.open();
  const before = engine.pool.inUse;
  try {
    const bad = await engine.offer({
      callId: 'policy-1',
      fromTag: 'a',
      sdp: phone.sdp(),
      legOptions: { from: { allowedCodecs: ['PCMU'] }, to: { allowedCodecs: ['G729'] } },
    });
    assert.ok(!bad.ok && bad.code === 'no_common_codec');
    assert.equal(engine.pool.inUse, before);
    const call = await setUpCall(engine, {
      offerLeg: { from: { allowedCodecs: ['PCMA', 'PCMU'] }, to: { allowedCodecs: ['PCMA'] } },
      bobCodecs: [[8, 'PCMA/8000'], [101, 'telephone-event/8000']],
    });
    try {
      assert.match(call.offerSdp, /m=audio \d+ RTP\/AVP 8 101\r\n/);
      assert.ok(!call.offerSdp.includes('PCMU'));
    } finally {
      await engine.delete({ callId: call.callId });
      call.close();
    }
    // an answer with a codec the offer did not carry leaves nothing in common
    const c2 = await engine.offer({ callId: 'policy-2', fromTag: 'a', sdp: phone.sdp([[0, 'PCMU/8000']]) });
    assert.ok(c2.ok);
    const ans = await engine.answer({ callId: 'policy-2', fromTag: 'a', toTag: 'b', sdp: phone.sdp([[8, 'PCMA/8000']]) });
    assert.ok(!ans.ok && ans.code === 'no_common_codec');
    assert.ok((await engine.delete({ callId: 'policy-2' })).ok);
    const t = await engine.offer({ callId: 'policy-3', fromTag: 'a', sdp: phone.sdp(), legOptions: { from: { transcode: ['opus'] } } });
    assert.ok(!t.ok && t.code === 'transcoding_unsupported');
  } finally {
    phone.close();
  }
});

test('a re-INVITE from the callee re-anchors the call the other way', async () => {
  const call = await setUpCall(engine);
  const bobMoved = await RtpPhone.open();
  try {
    const reoffer = await engine.offer({ callId: call.callId, fromTag: 'bob-tag', sdp: bobMoved.sdp(undefined, 'bob') });
    assert.ok(reoffer.ok);
    assert.equal(audioTarget(reoffer.sdp).port, call.toEngineFromAlice.port, 'alice keeps sending to the same port');
    const reanswer = await engine.answer({ callId: call.callId, fromTag: 'bob-tag', toTag: 'alice-tag', sdp: call.alice.sdp(undefined, 'alice') });
    assert.ok(reanswer.ok);
    assert.equal(audioTarget(reanswer.sdp).port, call.toEngineFromBob.port);
    await call.alice.send(rtp(7, 7), call.toEngineFromAlice);
    assert.ok(await waitFor(() => bobMoved.received.length === 1), 'media follows bob to his new port');
    const stray = await engine.answer({ callId: call.callId, fromTag: 'carol', toTag: 'x', sdp: call.alice.sdp() });
    assert.ok(!stray.ok && stray.code === 'unknown_call');
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
    bobMoved.close();
  }
});

test('a call without packets is released after the inactivity timeout and reported', async () => {
  const b = reservePortRange(8);
  const timedOut: string[] = [];
  const quick = new BuiltinMediaEngine({ portMin: b, portMax: b + 7, inactivityTimeoutMs: 200, onTimeout: (id) => timedOut.push(id) });
  const phone = await RtpPhone.open();
  try {
    assert.ok((await quick.offer({ callId: 'idle', fromTag: 't', sdp: phone.sdp() })).ok);
    assert.ok(await waitFor(() => timedOut.length === 1, 5000));
    assert.deepEqual(timedOut, ['idle']);
    assert.equal(quick.callCount, 0);
    assert.equal(quick.pool.inUse, 0);
  } finally {
    await quick.close();
    phone.close();
  }
});

test('tone test: alice sends 440 Hz, bob 660 Hz, each hears the other through the builtin engine', async () => {
  const call = await setUpCall(engine);
  try {
    await exchangeTones(call);
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
  }
});

test('ping reports health', async () => {
  const h = await engine.ping();
  assert.equal(h.ok, true);
  assert.match(h.detail[0] ?? '', /^builtin \d+ calls/);
});

test('released pairs are reused after a quiet quarantine, never while late media still arrives; keepIdleMs 0 closes at once', async () => {
  const b = reservePortRange(8);
  let now = 1_000_000;
  const pooled = new BuiltinMediaEngine({ portMin: b, portMax: b + 7, now: () => now, portReuse: { quarantineMs: 2000, keepIdleMs: 30_000 } });
  const phone = await RtpPhone.open();
  const late = createSocket('udp4');
  try {
    assert.ok((await pooled.offer({ callId: 'one', fromTag: 't', sdp: phone.sdp() })).ok);
    const first = pooled.pool.inUse;
    assert.ok((await pooled.delete({ callId: 'one' })).ok);
    assert.equal(pooled.pool.idleCount, first);
    // within the quarantine a new call gets fresh pairs (the range has room), not the released ones
    const r2 = await pooled.offer({ callId: 'two', fromTag: 't', sdp: phone.sdp() });
    assert.ok(r2.ok);
    assert.equal(pooled.pool.idleCount, first, 'idle pairs untouched');
    assert.ok((await pooled.delete({ callId: 'two' })).ok);
    // late media to an idle pair: not relayed anywhere, and it restarts that pair's quarantine
    now += 5000;
    const idlePort = b % 2 === 0 ? b : b + 1;
    late.send(Buffer.alloc(172), idlePort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    const afterLate = await pooled.offer({ callId: 'three', fromTag: 't', sdp: phone.sdp() });
    assert.ok(afterLate.ok);
    assert.doesNotMatch(afterLate.sdp, new RegExp(`m=audio ${idlePort} `), 'the pair that just got a packet is not reused');
    // once quiet for the quarantine, idle pairs are handed out again (no new socket)
    assert.ok((await pooled.delete({ callId: 'three' })).ok);
    now += 3000;
    const idleBefore = pooled.pool.idleCount;
    assert.ok((await pooled.offer({ callId: 'four', fromTag: 't', sdp: phone.sdp() })).ok);
    assert.equal(pooled.pool.idleCount, idleBefore - 2, 'two idle pairs reused (one per side)');
    assert.ok((await pooled.delete({ callId: 'four' })).ok);
    now += 31_000;
    pooled.sweep();
    assert.equal(pooled.pool.idleCount, 0, 'idle pairs older than keepIdleMs are closed by the sweep');
  } finally {
    late.close();
    await pooled.close();
    phone.close();
  }
  const c = reservePortRange(8);
  const unpooled = new BuiltinMediaEngine({ portMin: c, portMax: c + 7, portReuse: { keepIdleMs: 0 } });
  try {
    assert.ok((await unpooled.offer({ callId: 'x', fromTag: 't', sdp: phone.sdp() })).ok);
    assert.ok((await unpooled.delete({ callId: 'x' })).ok);
    assert.equal(unpooled.pool.idleCount, 0);
    assert.equal(unpooled.pool.inUse, 0);
  } finally {
    await unpooled.close();
  }
});
