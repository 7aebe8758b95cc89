// The B2BUA's in-call behaviour through the real users edge (in-process platform): re-INVITE with a media re-offer,
// hold/resume by the callee, codec change, UPDATE, 3xx → 480,
// INFO (DTMF) relayed, BYE from the caller, no common codec → 488, call-waiting limit → 486, requests from a
// non-edge address → 403, and OPTIONS to the app answered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { injectAs, ok } from '../support/api.ts';
import { RtpPhone, audioTarget, waitFor } from '../media/support/phone.ts';
import { createSipStack } from '../../src/sip/stack.ts';
import { createRequest, createResponse } from '../../src/sip/message.ts';
import type { IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { eventually, sleep, startPlatform, type Phone, type Platform } from '../e2e/support/platform.ts';

describe('B2BUA in-call behaviour', { timeout: 120_000 }, () => {
  let p: Platform;
  let alice: Phone;
  let bob: Phone;
  let bobId: number;
  const rtp: RtpPhone[] = [];
  const rtpPhone = async () => {
    const r = await RtpPhone.open();
    rtp.push(r);
    return r;
  };

  before(async () => {
    p = await startPlatform();
    alice = await p.phone('alice');
    bob = await p.phone('bob');
    bobId = (await p.store.db.selectFrom('users').select('id').where('name', '=', 'Bob').executeTakeFirstOrThrow()).id;
    assert.ok((await alice.ua.register()).ok);
    assert.ok((await bob.ua.register()).ok);
  });

  after(async () => {
    for (const r of rtp) r.close();
    await p?.stop();
  });

  it('re-INVITE re-offers media end to end, INFO DTMF is relayed, BYE from the caller ends both legs', async () => {
    const aRtp = await rtpPhone();
    const bRtp = await rtpPhone();
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      void c.answer(bRtp.sdp([[0, 'PCMU/8000'], [101, 'telephone-event/8000']], 'bob'));
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp(undefined, 'alice') });
    assert.deepEqual(await call.established, { ok: true });
    const session = p.sip.app!.sessions[0]!;
    assert.equal(session.state, 'confirmed');
    assert.ok(await waitFor(() => !session.awaitingAck, 2000), "the caller's ACK reached the app through the edge");
    const seqBefore = bobCall!.dialog!.remoteSeq ?? 0;

    // Alice moves her media to another port: bob gets a new offer (the engine's), alice the engine's answer.
    const moved = await rtpPhone();
    const status = await call.reinvite(moved.sdp(undefined, 'alice'));
    assert.equal(status, 200);
    assert.ok(call.remoteSdp?.includes('m=audio'));
    // The engine's SDP towards bob may be unchanged (same anchor ports): what matters is that bob got the re-INVITE.
    assert.ok((bobCall!.dialog!.remoteSeq ?? 0) > seqBefore, 'bob received the re-INVITE');
    await moved.sendTone(audioTarget(call.remoteSdp!), 440, 20);
    assert.ok(await waitFor(() => bRtp.received.length >= 15, 3000), `bob got ${bRtp.received.length} packets after the re-INVITE`);

    assert.equal(await call.info('5'), 200);
    assert.ok(await waitFor(() => bobCall!.dtmf.includes('5'), 2000), 'bob got the DTMF INFO');

    assert.equal(await call.hangup(), 200);
    const end = await bobCall!.ended;
    assert.equal(end.by, 'remote');
    assert.ok(await waitFor(() => p.sip.app!.sessions.length === 0, 2000));
  });

  it('hold and resume by the callee (re-INVITE sendonly/sendrecv), codec change and UPDATE by the caller', async () => {
    const aRtp = await rtpPhone();
    const bRtp = await rtpPhone();
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      void c.answer(bRtp.sdp([[0, 'PCMU/8000'], [8, 'PCMA/8000'], [101, 'telephone-event/8000']], 'bob'));
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp([[0, 'PCMU/8000'], [8, 'PCMA/8000'], [101, 'telephone-event/8000']], 'alice') });
    assert.deepEqual(await call.established, { ok: true });
    const base = bRtp.sdp([[0, 'PCMU/8000'], [8, 'PCMA/8000'], [101, 'telephone-event/8000']], 'bob');
    // Hold from the callee's side: alice gets the engine's offer with the direction attribute kept.
    assert.equal(await bobCall!.reinvite(`${base}a=sendonly\r\n`), 200);
    assert.match(call.remoteSdp ?? '', /a=sendonly/, 'alice sees the hold');
    assert.ok(!(call.remoteSdp ?? '').includes(`m=audio ${bRtp.port} `), "through the engine, not bob's address");
    assert.equal(await bobCall!.reinvite(`${base}a=sendrecv\r\n`), 200);
    assert.ok(!(call.remoteSdp ?? '').includes('a=sendonly'), 'resumed');
    // Codec change from the caller: bob is offered PCMA only.
    assert.equal(await call.reinvite(aRtp.sdp([[8, 'PCMA/8000'], [101, 'telephone-event/8000']], 'alice')), 200);
    assert.match(bobCall!.remoteSdp ?? '', /m=audio \d+ RTP\/AVP 8 101\r\n/);
    // UPDATE with an offer in the confirmed dialog (RFC 3311): relayed the same way.
    assert.equal(await call.request('UPDATE', { body: `${aRtp.sdp([[0, 'PCMU/8000']], 'alice')}a=inactive\r\n`, contentType: 'application/sdp' }), 200);
    assert.match(bobCall!.remoteSdp ?? '', /a=inactive/);
    assert.match(bobCall!.remoteSdp ?? '', /m=audio \d+ RTP\/AVP 0\r\n/);
    assert.equal(await bobCall!.hangup(), 200);
    assert.equal((await call.ended).by, 'remote');
  });


  it('offer-less re-INVITE: an unchanged answer in the ACK disturbs nobody, a changed one re-offers to the other leg', async () => {
    const aRtp = await rtpPhone();
    const bRtp = await rtpPhone();
    const bobSdp = bRtp.sdp([[0, 'PCMU/8000']], 'bob');
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      void c.answer(bobSdp);
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp([[0, 'PCMU/8000']], 'alice') });
    assert.deepEqual(await call.established, { ok: true });
    const offered: string[] = [];
    const aliceSeq = () => call.dialog!.remoteSeq ?? 0;
    const seq0 = aliceSeq();

    // A session refresh: the 2xx offers bob what he has, his ACK repeats his SDP.
    const bobHas = bobCall!.remoteSdp;
    assert.ok(bobHas);
    assert.equal(await bobCall!.reinvite(undefined, (offer) => (offered.push(offer), bobSdp)), 200);
    assert.deepEqual(offered, [bobHas], 'the 2xx offers the SDP bob already has');
    await sleep(300);
    assert.equal(aliceSeq(), seq0, 'alice got no re-INVITE');

    // Bob moves his media in the ACK's answer (a new o= version): alice gets a re-INVITE, and her audio reaches
    // bob's new port.
    const moved = await rtpPhone();
    const movedSdp = moved.sdp([[0, 'PCMU/8000']], 'bob').replace(/^(o=\S+ \S+ )(\d+)/m, (_m, head: string, v: string) => `${head}${Number(v) + 1}`);
    assert.notEqual(/^o=.*$/m.exec(movedSdp)?.[0], /^o=.*$/m.exec(bobSdp)?.[0]);
    assert.equal(await bobCall!.reinvite(undefined, () => movedSdp), 200);
    assert.ok(await waitFor(() => aliceSeq() > seq0, 3000), 'alice got the re-INVITE');
    await aRtp.sendTone(audioTarget(call.remoteSdp!), 440, 20);
    assert.ok(await waitFor(() => moved.received.length >= 15, 3000), `bob's new port got ${moved.received.length} packets`);

    // Glare on the way: alice answers the first re-INVITE 491; the app tries again after a random wait (RFC 3261
    // §14.1, up to 2 s towards the caller) and bob's next move still reaches her.
    const again = await rtpPhone();
    const againSdp = again.sdp([[0, 'PCMU/8000']], 'bob').replace(/^(o=\S+ \S+ )(\d+)/m, (_m, head: string) => `${head}3`);
    let refused = 0;
    call.inDialogHook = (req) => (req.method === 'INVITE' && refused++ === 0 ? { status: 491, reason: 'Request Pending' } : undefined);
    const seq1 = aliceSeq();
    assert.equal(await bobCall!.reinvite(undefined, () => againSdp), 200);
    assert.ok(await waitFor(() => aliceSeq() >= seq1 + 2, 5000), 'alice got the re-INVITE again after her 491');
    call.inDialogHook = undefined;
    await aRtp.sendTone(audioTarget(call.remoteSdp!), 440, 20);
    assert.ok(await waitFor(() => again.received.length >= 15, 3000), `bob's third port got ${again.received.length} packets`);
    assert.equal(await bobCall!.hangup(), 200);
    await call.ended;
  });
  it('3xx from the callee reaches the caller as 480, not as a redirect', async () => {
    bob.ua.onCall((c) => {
      c.serverTx!.respond(createResponse(c.invite, 302, 'Moved Temporarily', { toTag: 'r3', headers: [['Contact', '<sip:900123456@premium.example.net>']] }));
    });
    const c = alice.ua.invite(`sip:102@${p.domain}`, { sdp: (await rtpPhone()).sdp() });
    const r = await c.established;
    assert.equal(!r.ok && r.status, 480);
  });

  it('183 with SDP gives early media through the engine before the answer', async () => {
    const aRtp = await rtpPhone();
    const bRtp = await rtpPhone();
    let bobCall: IncomingCall | undefined;
    bob.ua.onCall((c) => {
      bobCall = c;
      c.ringing();
      const sdp = bRtp.sdp([[0, 'PCMU/8000'], [101, 'telephone-event/8000']], 'bob');
      c.localSdp = sdp;
      c.serverTx!.respond(createResponse(c.invite, 183, 'Session Progress', {
        toTag: c.dialog!.localTag,
        headers: [['Contact', bob.ua.contact], ['Content-Type', 'application/sdp']],
        body: sdp,
      }));
    });
    const call = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp(undefined, 'alice') });
    assert.ok(await waitFor(() => bobCall !== undefined && call.state === 'ringing', 3000));
    await new Promise((r) => setTimeout(r, 100));
    // Announcements before the answer: bob's media reaches alice while the call is still ringing.
    await bRtp.sendTone(audioTarget(bobCall!.remoteSdp!), 660, 15);
    assert.ok(await waitFor(() => aRtp.received.length >= 10, 3000), `alice got ${aRtp.received.length} early packets`);
    assert.equal(call.state, 'ringing');
    void bobCall!.answer(bobCall!.localSdp);
    assert.deepEqual(await call.established, { ok: true });
    assert.equal(await call.hangup(), 200);
  });

  it('no codec allowed on both terminals → 488', async () => {
    const token = await p.clientToken();
    const bobTerminal = (await p.store.db.selectFrom('terminals').select('id').where('name', '=', 'bob').executeTakeFirstOrThrow()).id;
    ok(await injectAs(p.api, token, 'PATCH', `/api/client/terminals/${bobTerminal}`, { allowedCodecs: ['PCMA'] }));
    await eventually(() => p.sip.directory!.terminalById(bobTerminal)?.allowedCodecs.join(), (v) => v === 'PCMA');
    let rang = false;
    bob.ua.onCall(() => (rang = true));
    const aRtp = await rtpPhone();
    const c = alice.ua.invite(`sip:102@${p.domain}`, { sdp: aRtp.sdp([[0, 'PCMU/8000'], [101, 'telephone-event/8000']]) });
    const r = await c.established;
    assert.equal(!r.ok && r.status, 488);
    assert.equal(rang, false);
    ok(await injectAs(p.api, token, 'PATCH', `/api/client/terminals/${bobTerminal}`, { allowedCodecs: ['PCMU', 'PCMA'] }));
    await eventually(() => p.sip.directory!.terminalById(bobTerminal)?.allowedCodecs.length, (v) => v === 2);
  });

  it('call waiting limit reached → 486 for the next call', async () => {
    const token = await p.clientToken();
    ok(await injectAs(p.api, token, 'PATCH', `/api/client/users/${bobId}`, { callWaitingLimit: 1 }));
    await eventually(() => p.sip.directory!.user(bobId)?.callWaitingLimit, (v) => v === 1);
    const bRtp = await rtpPhone();
    const calls: IncomingCall[] = [];
    bob.ua.onCall((c) => {
      calls.push(c);
      void c.answer(bRtp.sdp());
    });
    const first = alice.ua.invite(`sip:102@${p.domain}`, { sdp: (await rtpPhone()).sdp() });
    assert.deepEqual(await first.established, { ok: true });
    const second = alice.ua.invite(`sip:102@${p.domain}`, { sdp: (await rtpPhone()).sdp() });
    const r = await second.established;
    assert.equal(!r.ok && r.status, 486);
    assert.equal(calls.length, 1, 'the second call never reached bob');
    await first.hangup();
    ok(await injectAs(p.api, token, 'PATCH', `/api/client/users/${bobId}`, { callWaitingLimit: 0 }));
  });

  it('answers 403 to requests that do not come from an edge, 200 to OPTIONS from the edge host', async () => {
    const app = p.sip.app!.address;
    const stranger = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.2', port: 0 }] });
    try {
      const status = await new Promise<number>((resolve) => {
        const req = createRequest({
          method: 'INVITE',
          uri: `sip:102@${p.domain}`,
          headers: [
            ['Max-Forwards', '70'], ['From', '<sip:mallory@example.com>;tag=m1'], ['To', `<sip:102@${p.domain}>`],
            ['Call-ID', 'stranger-1'], ['CSeq', '1 INVITE'], ['Contact', '<sip:mallory@127.0.0.2>'],
            ['X-Sy-Brand', '1'], ['X-Sy-Client', String(p.clientId)], ['X-Sy-Caller', 'terminal;id=1'],
          ],
        });
        stranger.sendRequest(req, { transport: 'UDP', host: app.host, port: app.port }, {
          onResponse: (res) => res.status >= 200 && resolve(res.status),
          onTimeout: () => resolve(408),
        });
      });
      assert.equal(status, 403);
    } finally {
      await stranger.close();
    }
    const local = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
    try {
      const status = await new Promise<number>((resolve) => {
        const req = createRequest({
          method: 'OPTIONS',
          uri: `sip:${app.host}:${app.port}`,
          headers: [['Max-Forwards', '70'], ['From', '<sip:edge@127.0.0.1>;tag=e1'], ['To', `<sip:${app.host}>`], ['Call-ID', 'opt-1'], ['CSeq', '1 OPTIONS']],
        });
        local.sendRequest(req, { transport: 'UDP', host: app.host, port: app.port }, {
          onResponse: (res) => res.status >= 200 && resolve(res.status),
          onTimeout: () => resolve(408),
        });
      });
      assert.equal(status, 200);
    } finally {
      await local.close();
    }
  });
});
