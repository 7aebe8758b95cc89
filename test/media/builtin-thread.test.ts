// The builtin engine on its own thread (src/media/builtin/thread.ts), as `switchyard start` runs it: the same
// relay through the MediaEngine interface, media timeouts told back, clear failures once it is gone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BuiltinEngineThread } from '../../src/media/builtin/thread.ts';
import { serializeRtp } from '../../src/media/rtp.ts';
import { RtpPhone, reservePortRange, waitFor } from './support/phone.ts';
import { exchangeTones, setUpCall } from './support/exchange.ts';

const base = reservePortRange(100);
const engine = new BuiltinEngineThread({ portMin: base, portMax: base + 99 });
after(() => engine.close());

const rtp = (seq: number, fill: number): Buffer =>
  serializeRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc: 42, payload: Buffer.alloc(160, fill) });

test('offer/answer anchor both legs on the thread engine; RTP flows both ways; stats and delete', async () => {
  const call = await setUpCall(engine);
  try {
    assert.match(call.offerSdp, /c=IN IP4 127\.0\.0\.1/);
    assert.ok(call.toEngineFromAlice.port >= base && call.toEngineFromAlice.port <= base + 99, 'ports from the range');
    for (let i = 0; i < 3; i++) {
      await call.alice.send(rtp(i, 0xaa), call.toEngineFromAlice);
      await call.bob.send(rtp(100 + i, 0xbb), call.toEngineFromBob);
    }
    assert.ok(await waitFor(() => call.alice.received.length === 3 && call.bob.received.length === 3));
    assert.deepEqual(call.bob.received[0]?.data, rtp(0, 0xaa), 'relayed byte for byte');
    const q = await engine.query(call.callId);
    assert.ok(q.ok);
    assert.deepEqual(q.stats.legs.find((l) => l.tag === 'alice-tag')?.packetsIn, 3);
    await exchangeTones(call);
  } finally {
    assert.ok((await engine.delete({ callId: call.callId })).ok);
    call.close();
  }
  const again = await engine.delete({ callId: call.callId });
  assert.ok(!again.ok && again.code === 'unknown_call', 'the engine\'s own error values come back as they are');
  const bad = await engine.offer({ callId: 'x', fromTag: 'a', sdp: 'v=0\r\n' });
  assert.ok(!bad.ok && bad.code === 'bad_sdp');
});

test('ping reports the thread engine\'s health', async () => {
  const h = await engine.ping();
  assert.equal(h.ok, true);
  assert.match(h.detail[0] ?? '', /^builtin \d+ calls, \d+ of 100 ports in use$/);
});

test('a media timeout in the thread is told to onTimeout', async () => {
  const b = reservePortRange(8);
  const timedOut: string[] = [];
  const quick = new BuiltinEngineThread({ portMin: b, portMax: b + 7, inactivityTimeoutMs: 200, onTimeout: (id) => timedOut.push(id) });
  const phone = await RtpPhone.open();
  try {
    assert.ok((await quick.offer({ callId: 'idle', fromTag: 't', sdp: phone.sdp() })).ok);
    assert.ok(await waitFor(() => timedOut.length === 1, 5000));
    assert.deepEqual(timedOut, ['idle']);
    assert.match((await quick.ping()).detail[0] ?? '', /^builtin 0 calls, 0 of 8 ports in use$/);
  } finally {
    await quick.close();
    phone.close();
  }
});

test('several calls in one turn travel together and each gets its own answer', async () => {
  const phones = await Promise.all([RtpPhone.open(), RtpPhone.open(), RtpPhone.open()]);
  try {
    const offers = await Promise.all(phones.map((p, i) => engine.offer({ callId: `batch-${i}`, fromTag: `t${i}`, sdp: p.sdp() })));
    const ports = offers.map((o) => (o.ok ? /m=audio (\d+)/.exec(o.sdp)?.[1] : undefined));
    assert.ok(ports.every((p) => p !== undefined), 'every offer answered with an SDP');
    assert.equal(new Set(ports).size, 3, 'each call its own ports');
    const deletes = await Promise.all(phones.map((_p, i) => engine.delete({ callId: `batch-${i}` })));
    assert.ok(deletes.every((d) => d.ok));
  } finally {
    for (const p of phones) p.close();
  }
});

test('after close: no_engine values (503 for the caller) and a failed ping, never a hang', async () => {
  const b = reservePortRange(8);
  const closing = new BuiltinEngineThread({ portMin: b, portMax: b + 7 });
  assert.equal((await closing.ping()).ok, true);
  const phone = await RtpPhone.open();
  // a request issued in the same turn as close() is answered or refused, never left waiting
  const inFlight = closing.offer({ callId: 'racing', fromTag: 't', sdp: phone.sdp() });
  await closing.close();
  await closing.close(); // twice is fine
  phone.close();
  assert.equal(typeof (await inFlight).ok, 'boolean');
  const r = await closing.offer({ callId: 'late', fromTag: 't', sdp: 'v=0\r\n' });
  assert.ok(!r.ok && r.code === 'no_engine');
  assert.match(r.message, /closed/);
  const h = await closing.ping();
  assert.equal(h.ok, false);
});

test('options the engine refuses are refused before a thread starts', () => {
  assert.throws(() => new BuiltinEngineThread({ bindAddress: '0.0.0.0' }), /advertisedAddress is required/);
});

test('a media thread that dies fails its pending request, every later one, and resolves `failed`', async () => {
  const dying = new BuiltinEngineThread({}, new URL('./fixtures/dying-media-thread.ts', import.meta.url));
  const r = await dying.offer({ callId: 'c', fromTag: 't', sdp: 'v=0\r\n' });
  assert.ok(!r.ok && r.code === 'no_engine');
  assert.match(r.message, /media thread exited \(code 3\)/);
  assert.match((await dying.failed).message, /exited \(code 3\)/);
  const later = await dying.delete({ callId: 'c' });
  assert.ok(!later.ok && /exited/.test(later.message));
  assert.equal((await dying.ping()).ok, false);
  await dying.close();
});
