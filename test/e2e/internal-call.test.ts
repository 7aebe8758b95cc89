// Issue 6 end to end, in-process: "Alice calls Bob". Demo data, API, users edge, app (B2BUA) and the builtin media
// engine as `switchyard start` wires them; two test phones register with digest auth through the edge, alice dials
// 102, bob answers, RTP flows both ways through the engine (tones checked with Goertzel), the active-calls view shows
// two rows while the call is up, bob hangs up, and the call registry shows the call to the client admin and to each
// user. Then the rejections: DND → 486, unassigned extension → 404 "Extension not assigned", no extension → 404
// "No route", callee not registered → 480, CANCEL before answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { injectAs, ok } from '../support/api.ts';
import { RtpPhone, audioTarget, waitFor } from '../media/support/phone.ts';
import { goertzel } from '../../src/media/dsp.ts';
import type { IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { eventually, sleep, startPlatform, type Phone, type Platform } from './support/platform.ts';

describe('internal call Alice → Bob (in-process platform, builtin media)', { timeout: 120_000 }, () => {
  let p: Platform;
  let alice: Phone;
  let bob: Phone;
  let aliceId: number;
  let bobId: number;
  const rtp: RtpPhone[] = [];

  before(async () => {
    p = await startPlatform();
    alice = await p.phone('alice');
    bob = await p.phone('bob');
    const users = await p.store.db.selectFrom('users').select(['id', 'name']).execute();
    aliceId = users.find((u) => u.name === 'Alice')!.id;
    bobId = users.find((u) => u.name === 'Bob')!.id;
    const ra = await alice.ua.register();
    const rb = await bob.ua.register();
    assert.ok(ra.ok, `alice register: ${JSON.stringify(ra)}`);
    assert.ok(rb.ok, `bob register: ${JSON.stringify(rb)}`);
  });

  after(async () => {
    for (const r of rtp) r.close();
    await p?.stop();
  });

  const rtpPhone = async () => {
    const r = await RtpPhone.open();
    rtp.push(r);
    return r;
  };

  it('bob answers, audio flows both ways, two active-call rows, registry rows for both users', async () => {
    const aRtp = await rtpPhone();
    const bRtp = await rtpPhone();
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      c.ringing();
      setTimeout(() => void c.answer(bRtp.sdp([[0, 'PCMU/8000'], [101, 'telephone-event/8000']], 'bob')), 100);
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp([[0, 'PCMU/8000'], [8, 'PCMA/8000'], [101, 'telephone-event/8000']], 'alice') });
    const est = await call.established;
    assert.deepEqual(est, { ok: true });
    assert.ok(bobCall, 'bob got the call');
    // The B leg presents Alice's name and screen extension.
    assert.match(bobCall!.invite.headers.get('from') ?? '', /"Alice" <sip:101@/);
    const internal = [...bobCall!.invite.headers].map(([n]) => n).filter((n) => /^x-sy-/i.test(n));
    assert.deepEqual(internal, [], 'internal headers never reach phones');
    assert.ok(call.remoteSdp && bobCall!.remoteSdp);
    assert.notEqual(audioTarget(call.remoteSdp!).port, bRtp.port, 'media is anchored, not phone to phone');

    const clientToken = await p.clientToken();
    const active = await eventually(
      async () => ok(await injectAs(p.api, clientToken, 'GET', '/api/client/active-calls')).items as Array<Record<string, unknown>>,
      (items) => items.length === 2 && items.every((i) => i.state === 'confirmed'),
    );
    assert.equal(active.length, 2, JSON.stringify(active));
    const byDir = new Map(active.map((r) => [r.direction, r]));
    assert.equal(byDir.get('outbound')?.userId, aliceId);
    assert.equal(byDir.get('inbound')?.userId, bobId);
    assert.equal(byDir.get('outbound')?.party, '102');
    assert.equal(byDir.get('inbound')?.party, '101');

    // RTP both ways through the engine: 440 Hz from alice, 660 Hz from bob.
    await Promise.all([
      aRtp.sendTone(audioTarget(call.remoteSdp!), 440, 50),
      bRtp.sendTone(audioTarget(bobCall!.remoteSdp!), 660, 50),
    ]);
    await waitFor(() => aRtp.received.length >= 40 && bRtp.received.length >= 40, 3000);
    const atBob = bRtp.decodedAudio('pcmu');
    const atAlice = aRtp.decodedAudio('pcmu');
    assert.ok(atBob.length >= 8000 * 0.5, `bob got ${bRtp.received.length} packets`);
    assert.ok(atAlice.length >= 8000 * 0.5, `alice got ${aRtp.received.length} packets`);
    assert.ok(goertzel(atBob, 440) > 100 * goertzel(atBob, 660), 'bob hears 440 Hz');
    assert.ok(goertzel(atAlice, 660) > 100 * goertzel(atAlice, 440), 'alice hears 660 Hz');

    await sleep(1100); // a measurable duration
    const status = await bobCall!.hangup();
    assert.equal(status, 200);
    const end = await call.ended;
    assert.equal(end.by, 'remote');

    const registry = await eventually(
      async () => ok(await injectAs(p.api, clientToken, 'GET', `/api/client/call-registry?callId=${encodeURIComponent(call.callId)}`)).items as Array<Record<string, unknown>>,
      (items) => items.length === 2,
    );
    assert.equal(registry.length, 2, JSON.stringify(registry));
    for (const row of registry) {
      assert.equal(row.disposition, 'answered');
      assert.equal(row.caller, '101');
      assert.equal(row.callee, '102');
      assert.ok((row.duration as number) >= 1, `duration ${String(row.duration)}`);
    }
    const gone = await eventually(
      async () => ok(await injectAs(p.api, clientToken, 'GET', '/api/client/active-calls')).items as unknown[],
      (items) => items.length === 0,
    );
    assert.equal(gone.length, 0, 'active-call rows vanish when the call ends');

    const aliceView = ok(await injectAs(p.api, await p.userToken('alice@demo.example'), 'GET', '/api/user/call-registry')).items as Array<Record<string, unknown>>;
    assert.deepEqual(aliceView.filter((r) => r.callId === call.callId).map((r) => r.direction), ['outbound']);
    const bobView = ok(await injectAs(p.api, await p.userToken('bob@demo.example'), 'GET', '/api/user/call-registry')).items as Array<Record<string, unknown>>;
    assert.deepEqual(bobView.filter((r) => r.callId === call.callId).map((r) => r.direction), ['inbound']);
    assert.equal(p.sip.app!.sessions.length, 0);
  });

  it('CANCEL before answer stops bob ringing; registry says cancelled', async () => {
    const aRtp = await rtpPhone();
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      c.ringing();
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp() });
    assert.ok(await waitFor(() => bobCall !== undefined && call.state === 'ringing', 5000), 'bob rings, alice hears ringing');
    await call.hangup();
    const end = await call.ended;
    assert.equal(end.status, 487);
    const bobEnd = await bobCall!.ended;
    assert.equal(bobEnd.status, 487);
    const token = await p.clientToken();
    const rows = await eventually(
      async () => ok(await injectAs(p.api, token, 'GET', `/api/client/call-registry?callId=${encodeURIComponent(call.callId)}`)).items as Array<Record<string, unknown>>,
      (items) => items.length === 2,
    );
    assert.deepEqual(rows.map((r) => r.disposition), ['cancelled', 'cancelled']);
  });

  it('unassigned extension → 404 "Extension not assigned"; unknown number → 404 "No route"', async () => {
    const token = await p.clientToken();
    ok(await injectAs(p.api, token, 'POST', '/api/client/extensions', { number: '150', routeType: 'unassigned' }), 201);
    await eventually(() => p.sip.directory!.extension(p.clientId, '150'), (e) => e !== undefined);
    const aRtp = await rtpPhone();
    const c1 = alice.ua.invite(`sip:150@${p.domain}`, { sdp: aRtp.sdp() });
    assert.deepEqual(await c1.established, { ok: false, status: 404, reason: 'Extension not assigned' });
    const c2 = alice.ua.invite(`sip:999@${p.domain}`, { sdp: aRtp.sdp() });
    assert.deepEqual(await c2.established, { ok: false, status: 404, reason: 'No route' });
  });

  it('callee with do-not-disturb → 486 Busy Here', async () => {
    const token = await p.clientToken();
    ok(await injectAs(p.api, token, 'PATCH', `/api/client/users/${bobId}`, { doNotDisturb: true }));
    await eventually(() => p.sip.directory!.user(bobId)?.doNotDisturb, (v) => v === true);
    let rang = false;
    bob.ua.onCall((c) => {
      rang = true;
      c.reject(603);
    });
    const aRtp = await rtpPhone();
    const c = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp() });
    const r = await c.established;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 486);
    assert.equal(rang, false, 'bob never rang');
    ok(await injectAs(p.api, token, 'PATCH', `/api/client/users/${bobId}`, { doNotDisturb: false }));
    await eventually(() => p.sip.directory!.user(bobId)?.doNotDisturb, (v) => v === false);
  });

  it('callee not registered → 480', async () => {
    const un = await bob.ua.register({ expires: 0 });
    assert.ok(un.ok);
    const aRtp = await rtpPhone();
    const c = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp() });
    const r = await c.established;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 480);
  });
});
