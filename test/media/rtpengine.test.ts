// rtpengine driver against a real userspace rtpengine daemon (started and stopped here). Without the
// binary the suite is skipped with a reason, and fails when CI=true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RtpengineMediaEngine } from '../../src/media/rtpengine/engine.ts';
import { dominantFrequency } from '../../src/media/dsp.ts';
import { serializeRtp } from '../../src/media/rtp.ts';
import { RtpPhone, waitFor } from './support/phone.ts';
import { exchangeTones, setUpCall } from './support/exchange.ts';
import { findRtpengine, startRtpengine, type RtpengineDaemon } from './support/rtpengine-daemon.ts';

const bin = findRtpengine();
const skip = bin === undefined && process.env.CI !== 'true' ? 'rtpengine binary not found (apt-get install rtpengine-daemon)' : false;

let daemon: RtpengineDaemon | undefined;
let engine: RtpengineMediaEngine;

before(async () => {
  if (skip) return;
  assert.ok(bin, 'rtpengine binary is required when CI=true (apt-get install rtpengine-daemon)');
  daemon = await startRtpengine(bin);
  engine = new RtpengineMediaEngine({
    relaySets: { default: [{ host: '127.0.0.1', port: daemon.ngPort, metric: 1 }] },
    timeoutMs: 500,
    retries: 2,
  });
});

after(async () => {
  await engine?.close();
  await daemon?.stop();
});

const rtp = (seq: number, fill: number): Buffer =>
  serializeRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc: 7, payload: Buffer.alloc(160, fill) });

test('ping answers pong', { skip }, async () => {
  const h = await engine.ping();
  assert.equal(h.ok, true);
  assert.match(h.detail[0] ?? '', / up$/);
});

test('offer/answer/query/delete: two phones exchange RTP through rtpengine', { skip }, async () => {
  const call = await setUpCall(engine);
  try {
    assert.ok(daemon);
    for (const t of [call.toEngineFromAlice, call.toEngineFromBob]) {
      assert.ok(t.port >= daemon.portMin && t.port <= daemon.portMax, `port ${t.port} from the private range`);
    }
    assert.match(call.offerSdp, /o=alice \d+ \d+ IN IP4 127\.0\.0\.1/);
    assert.ok(!/a=(ice|candidate)/.test(call.offerSdp));
    for (let i = 0; i < 5; i++) {
      await call.alice.send(rtp(i, 0xaa), call.toEngineFromAlice);
      await call.bob.send(rtp(100 + i, 0xbb), call.toEngineFromBob);
    }
    assert.ok(await waitFor(() => call.alice.received.length === 5 && call.bob.received.length === 5));
    assert.deepEqual(call.bob.received[0]?.data.subarray(12), Buffer.alloc(160, 0xaa));
    assert.deepEqual(call.alice.received[0]?.data.subarray(12), Buffer.alloc(160, 0xbb));
    const q = await engine.query(call.callId);
    assert.ok(q.ok, !q.ok ? q.message : '');
    const alice = q.stats.legs.find((l) => l.tag === 'alice-tag');
    const bob = q.stats.legs.find((l) => l.tag === 'bob-tag');
    assert.equal(alice?.packetsIn, 5);
    assert.equal(alice?.bytesIn, 5 * 172);
    assert.equal(bob?.packetsIn, 5);
    assert.equal(alice?.remote, `127.0.0.1:${call.alice.port}`);
  } finally {
    const d = await engine.delete({ callId: call.callId });
    assert.ok(d.ok);
    call.close();
  }
  const gone = await engine.query(call.callId);
  assert.ok(!gone.ok && gone.code === 'unknown_call', !gone.ok ? gone.message : '');
  const again = await engine.delete({ callId: call.callId });
  assert.ok(!again.ok && again.code === 'unknown_call');
});

test('latching: rtpengine sends to the source it learnt, not the SDP port', { skip }, async () => {
  const call = await setUpCall(engine);
  const natted = await RtpPhone.open();
  try {
    await natted.send(rtp(1, 1), call.toEngineFromAlice);
    assert.ok(await waitFor(() => call.bob.received.length === 1));
    await call.bob.send(rtp(2, 2), call.toEngineFromBob);
    assert.ok(await waitFor(() => natted.received.length === 1));
    assert.equal(call.alice.received.length, 0);
    const q = await engine.query(call.callId);
    assert.ok(q.ok);
    assert.equal(q.stats.legs.find((l) => l.tag === 'alice-tag')?.remote, `127.0.0.1:${natted.port}`);
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
    natted.close();
  }
});

test('codec policy: disallowed codecs stripped, telephone-event kept, no common codec → no_common_codec', { skip }, async () => {
  const phone = await RtpPhone.open();
  try {
    const codecs: Array<[number, string]> = [[9, 'G722/8000'], [0, 'PCMU/8000'], [8, 'PCMA/8000'], [101, 'telephone-event/8000']];
    const o = await engine.offer({
      callId: 'policy-r1',
      fromTag: 'a',
      sdp: phone.sdp(codecs),
      legOptions: { to: { allowedCodecs: ['PCMA', 'PCMU'] } },
    });
    assert.ok(o.ok, !o.ok ? o.message : '');
    assert.match(o.sdp, /m=audio \d+ RTP\/AVP 0 8 101\r\n/);
    assert.ok(!o.sdp.includes('G722'));
    assert.ok((await engine.delete({ callId: 'policy-r1' })).ok);
    const bad = await engine.offer({
      callId: 'policy-r2',
      fromTag: 'a',
      sdp: phone.sdp(codecs),
      legOptions: { from: { allowedCodecs: ['G722'] }, to: { allowedCodecs: ['PCMA'] } },
    });
    assert.ok(!bad.ok && bad.code === 'no_common_codec');
  } finally {
    phone.close();
  }
});

test('tone test: alice 440 Hz, bob 660 Hz, each hears the other through rtpengine', { skip }, async () => {
  const call = await setUpCall(engine);
  try {
    await exchangeTones(call);
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
  }
});

test('transcoding: PCMU-only alice to PCMA-only bob, the tone survives', { skip }, async () => {
  const call = await setUpCall(engine, {
    aliceCodecs: [[0, 'PCMU/8000'], [101, 'telephone-event/8000']],
    offerLeg: { from: { transcode: ['PCMA'] }, to: { allowedCodecs: ['PCMA'] } },
    answerLeg: { from: { allowedCodecs: ['PCMA'] } },
    bobCodecs: [[8, 'PCMA/8000'], [101, 'telephone-event/8000']],
  });
  try {
    assert.match(call.offerSdp, /m=audio \d+ RTP\/AVP 8 101\r\n/, call.offerSdp);
    assert.match(call.answerSdp, /m=audio \d+ RTP\/AVP 0 101\r\n/, call.answerSdp);
    await call.alice.sendTone(call.toEngineFromAlice, 440, 50, 'pcmu');
    assert.ok(await waitFor(() => call.bob.received.length >= 45));
    const heard = dominantFrequency(call.bob.decodedAudio('pcma'), [440, 660]);
    assert.equal(heard.frequency, 440);
    assert.ok(heard.ratio > 100);
  } finally {
    await engine.delete({ callId: call.callId });
    call.close();
  }
});

test('an unreachable relay answers engine_timeout and is marked down', { skip }, async () => {
  const dead = new RtpengineMediaEngine({
    relaySets: { default: [{ host: '127.0.0.1', port: 9, metric: 1 }] },
    timeoutMs: 50,
    retries: 1,
  });
  const phone = await RtpPhone.open();
  try {
    const r = await dead.offer({ callId: 'x', fromTag: 'a', sdp: phone.sdp() });
    assert.ok(!r.ok && r.code === 'engine_timeout');
    const next = await dead.offer({ callId: 'y', fromTag: 'a', sdp: phone.sdp() });
    assert.ok(!next.ok && next.code === 'no_engine', 'new calls avoid a relay that timed out');
    const h = await dead.ping();
    assert.equal(h.ok, false);
  } finally {
    await dead.close();
    phone.close();
  }
});

test('media inactivity: a silent call is queried, deleted and reported through onTimeout; a live one is not', { skip }, async () => {
  assert.ok(daemon);
  const timedOut: string[] = [];
  const watched = new RtpengineMediaEngine({
    relaySets: { default: [{ host: '127.0.0.1', port: daemon.ngPort, metric: 1 }] },
    timeoutMs: 500,
    retries: 2,
    inactivityTimeoutMs: 1000,
    queryIntervalMs: 100,
    onTimeout: (callId) => timedOut.push(callId),
  });
  const live = await setUpCall(watched);
  const silent = await setUpCall(watched);
  let seq = 0;
  const talking = setInterval(() => void live.alice.send(rtp(seq++, 1), live.toEngineFromAlice), 40);
  try {
    await silent.alice.send(rtp(1, 1), silent.toEngineFromAlice);
    assert.ok(await waitFor(() => timedOut.includes(silent.callId), 8000), 'the silent call was reported');
    const gone = await watched.query(silent.callId);
    assert.ok(!gone.ok && gone.code === 'unknown_call', 'and deleted from rtpengine');
    assert.equal(timedOut.includes(live.callId), false, 'the call with RTP flowing stays');
    assert.ok((await watched.query(live.callId)).ok);
    clearInterval(talking);
    assert.ok(await waitFor(() => timedOut.includes(live.callId), 8000), 'once silent, it times out too');
  } finally {
    clearInterval(talking);
    await watched.delete({ callId: live.callId });
    await watched.delete({ callId: silent.callId });
    live.close();
    silent.close();
    await watched.close();
  }
});
