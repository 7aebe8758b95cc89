// The app alone, with a test user agent standing in for the users edge (it sends the A-leg INVITE with the X-Sy-*
// caller headers and receives the B leg): what the B-leg INVITE carries per the calls contract, failure mapping,
// the no-answer limit, that the edge's internal headers are required, 3xx refused, session timers (RFC 4028) and
// UPDATE in the early dialog (RFC 3311), BYE from the caller in its early dialog.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryClient, DirectoryTerminal, DirectoryUser } from '../../src/store/directory/index.ts';
import { BuiltinMediaEngine } from '../../src/media/builtin/engine.ts';
import { createAppServer, type AppServer } from '../../src/app/server.ts';
import type { DirectoryView } from '../../src/app/routing.ts';
import { createSipStack, type SipStack } from '../../src/sip/stack.ts';
import { UserAgent, type IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { createResponse } from '../../src/sip/message.ts';
import { RtpPhone, reservePortRange, waitFor } from '../media/support/phone.ts';

const client: DirectoryClient = { id: 7, brandId: 3, type: 'vpbx', name: 'C', domain: 'pbx.example.com' };
const mkUser = (id: number, name: string, ext: string, over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id, clientId: 7, name, lastname: null, displayName: name, doNotDisturb: false, callWaitingLimit: 0, multiContact: false,
  rejectMethod: 'reject-all', callsFromNonGrantedIps: 0, screenExtension: ext, terminalId: id + 100, languageId: null, timezoneId: null, ...over,
});
const alice = mkUser(1, 'Alice', '101');
const bob = mkUser(2, 'Bob', '102');
const term = (u: DirectoryUser, name: string): DirectoryTerminal => ({
  id: u.terminalId!, client, name, domain: 'pbx.example.com', ha1Md5: '', ha1Sha256: '', allowedCodecs: ['PCMU', 'PCMA'],
  callerIdUpdateMethod: 'INVITE', t38Passthrough: false, rtpEncryption: false, user: u,
});
const terminals = [term(alice, 'alice'), term(bob, 'bob')];
const directory: DirectoryView = {
  terminalById: (id) => terminals.find((t) => t.id === id),
  user: (id) => [alice, bob].find((u) => u.id === id),
  client: (id) => (id === 7 ? client : undefined),
  extension: (c, n) => (c === 7 && n === '102' ? { id: 1, clientId: 7, number: '102', target: { type: 'user', id: 2 } } : undefined),
};

describe('app B legs (fake edge)', { timeout: 60_000 }, () => {
  let app: AppServer;
  let media: BuiltinMediaEngine;
  let edgeStack: SipStack;
  let edge: UserAgent;
  let rtp: RtpPhone;
  const callerHeaders: Array<[string, string]> = [['X-Sy-Brand', '3'], ['X-Sy-Client', '7'], ['X-Sy-Caller', 'terminal;id=101;user=1'], ['X-Sy-Source', '192.0.2.5:5060;transport=udp'], ['X-Sy-Call-Kind', 'internal-origin']];

  before(async () => {
    const base = reservePortRange(100);
    media = new BuiltinMediaEngine({ portMin: base, portMax: base + 99 });
    edgeStack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
    const e = edgeStack.addresses[0]!;
    app = await createAppServer({
      directory,
      media,
      listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
      edges: [{ host: '127.0.0.1', port: e.port }],
      ringTimeoutMs: 1500,
      // Small intervals so the session-timer tests expire within seconds (production default Min-SE 90 s).
      sessionTimers: { minSeS: 2 },
    });
    const a = app.address;
    edge = new UserAgent({
      layer: edgeStack.tx,
      aor: 'sip:alice@pbx.example.com',
      displayName: 'ignored by the app',
      contact: { host: e.host, port: e.port, transport: 'UDP' },
      outbound: { transport: 'UDP', host: a.host, port: a.port },
    });
    rtp = await RtpPhone.open();
  });

  after(async () => {
    rtp?.close();
    await app?.close();
    await edgeStack?.close();
    await media?.close();
  });

  it('the B-leg INVITE carries the contract headers, the caller identity and the engine SDP; 603 goes back', async () => {
    let leg: IncomingCall | undefined;
    edge.onCall((c) => {
      leg = c;
      c.reject(603, 'Decline');
    });
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: callerHeaders });
    const r = await call.established;
    assert.deepEqual(r, { ok: false, status: 603, reason: 'Decline' });
    assert.ok(leg);
    const h = leg.invite.headers;
    assert.equal(leg.invite.uri.user, 'bob');
    assert.equal(leg.invite.uri.host, 'pbx.example.com');
    assert.equal(h.get('X-Sy-Target'), 'terminal;id=102');
    assert.equal(h.get('X-Sy-Client'), '7');
    assert.equal(h.get('X-Sy-Reject'), 'reject-all');
    assert.equal(h.get('X-Sy-Multi-Contact'), '0');
    assert.equal(h.get('X-Sy-Caller'), undefined, 'caller headers stay on the A leg');
    assert.match(h.get('From') ?? '', /^"Alice" <sip:101@pbx\.example\.com>;tag=/);
    assert.equal(h.get('P-Asserted-Identity'), '"Alice" <sip:101@pbx.example.com>');
    assert.equal(h.get('To'), '<sip:102@pbx.example.com>');
    assert.notEqual(leg.invite.callId, call.callId, 'the B leg is its own dialog');
    assert.ok(!leg.remoteSdp?.includes(`m=audio ${rtp.port} `), 'the callee gets the engine, not the caller');
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000));
  });

  it('no answer within the ring limit → CANCEL to the B leg, 480 "No Answer" to the caller', async () => {
    let leg: IncomingCall | undefined;
    edge.onCall((c) => {
      leg = c;
      c.ringing();
    });
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: callerHeaders });
    const r = await call.established;
    assert.deepEqual(r, { ok: false, status: 480, reason: 'No Answer' });
    const legEnd = await leg!.ended;
    assert.equal(legEnd.status, 487, 'the B leg was cancelled');
  });

  it('an INVITE requiring an extension (100rel) → 420 Bad Extension', async () => {
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Require', '100rel']] });
    const r = await call.established;
    assert.equal(!r.ok && r.status, 420);
  });

  it('an INVITE without the edge caller headers → 400', async () => {
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp() });
    const r = await call.established;
    assert.equal(!r.ok && r.status, 400);
  });

  it('3xx from the callee is not followed nor passed on: the caller gets 480', async () => {
    edge.onCall((c) => {
      c.serverTx!.respond(createResponse(c.invite, 302, 'Moved Temporarily', { toTag: 'r1', headers: [['Contact', '<sip:+34900000000@premium.example.net>']] }));
    });
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: callerHeaders });
    const r = await call.established;
    assert.deepEqual(r, { ok: false, status: 480, reason: 'Temporarily Unavailable' });
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000));
  });

  it('Session-Expires below our Min-SE → 422; Require: timer is accepted', async () => {
    let rang = false;
    edge.onCall(() => (rang = true));
    const small = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Supported', 'timer'], ['Session-Expires', '1']] });
    const r = await small.established;
    assert.equal(!r.ok && r.status, 422);
    assert.equal(rang, false);
    edge.onCall((c) => c.reject(486, 'Busy Here'));
    const req = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Require', 'timer'], ['Session-Expires', '30']] });
    const r2 = await req.established;
    assert.equal(!r2.ok && r2.status, 486, 'not 420: the app supports timer');
  });

  it('callee 422 with its Min-SE: the B-leg INVITE goes again once with that interval (RFC 4028 §7.4); a second 422 → 500', async () => {
    const invites: IncomingCall[] = [];
    edge.onCall((c) => {
      invites.push(c);
      if (invites.length === 1) {
        c.serverTx!.respond(createResponse(c.invite, 422, 'Session Interval Too Small', { toTag: 'r422', headers: [['Min-SE', '40']] }));
      } else void c.answer(rtp.sdp());
    });
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Supported', 'timer'], ['Session-Expires', '30']] });
    assert.deepEqual(await call.established, { ok: true });
    assert.equal(invites.length, 2);
    const [first, retry] = [invites[0]!.invite, invites[1]!.invite];
    assert.equal(first.headers.get('Session-Expires'), '30');
    assert.equal(retry.headers.get('Session-Expires'), '40');
    assert.equal(retry.headers.get('Min-SE'), '40');
    assert.equal(retry.callId, first.callId);
    assert.equal(retry.from.params.get('tag'), first.from.params.get('tag'));
    assert.equal(retry.cseq.seq, first.cseq.seq + 1);
    assert.equal(retry.body.toString(), first.body.toString(), 'the same offer');
    // an in-dialog refresh below our Min-SE (2 s here) is refused with 422 and our Min-SE (§9)
    assert.equal(await call.request('UPDATE', { headers: [['Session-Expires', '1']] }), 422);
    assert.equal(app.sessions[0]!.state, 'confirmed', 'the 422 does not disturb the call');
    assert.ok(app.dialogs.size >= 2, 'both legs registered their dialogs');
    assert.equal(await call.hangup(), 200);
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000));
    assert.equal(app.dialogs.size, 0, "the call's end removed its dialogs");

    let tries = 0;
    edge.onCall((c) => {
      tries++;
      c.serverTx!.respond(createResponse(c.invite, 422, 'Session Interval Too Small', { toTag: `r${tries}`, headers: [['Min-SE', String(100 * tries)]] }));
    });
    const again = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: callerHeaders });
    assert.deepEqual(await again.established, { ok: false, status: 500, reason: 'Server Internal Error' });
    assert.equal(tries, 2, 'one retry only');
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000));
  });

  it('caller is the refresher and never refreshes: both legs get BYE when the session expires', async () => {
    let leg: IncomingCall | undefined;
    edge.onCall((c) => {
      leg = c;
      void c.answer(rtp.sdp());
    });
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Supported', 'timer'], ['Session-Expires', '3;refresher=uac']] });
    assert.deepEqual(await call.established, { ok: true });
    const session = app.sessions[0]!;
    assert.deepEqual(session.sessionTimer('a'), { intervalS: 3, refresher: 'peer' });
    assert.equal(leg!.invite.headers.get('Session-Expires'), '3', 'the callee is asked for the same interval');
    assert.equal(leg!.invite.headers.get('Min-SE'), '2');
    assert.match(leg!.invite.headers.get('Supported') ?? '', /timer/);
    assert.equal(session.sessionTimer('b'), undefined, "the callee's 2xx had no Session-Expires: no timer on the B leg");
    const [aEnd, bEnd] = await Promise.all([call.ended, leg!.ended]);
    assert.equal(aEnd.by, 'remote');
    assert.equal(bEnd.by, 'remote');
    assert.equal(session.endReason, 'session expired');
  });

  it('the app refreshes a caller without timer support (UPDATE at half the interval) and the call stays up', async () => {
    edge.onCall((c) => void c.answer(rtp.sdp()));
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Session-Expires', '2']] });
    assert.deepEqual(await call.established, { ok: true });
    const session = app.sessions[0]!;
    assert.deepEqual(session.sessionTimer('a'), { intervalS: 2, refresher: 'us' });
    const seq0 = call.dialog!.remoteSeq ?? 0;
    // Three refreshes take 3 s, longer than the 2 s interval: the session survived by being refreshed.
    assert.ok(await waitFor(() => (call.dialog!.remoteSeq ?? 0) >= seq0 + 3, 8000), 'the app sent session refreshes');
    assert.equal(session.state, 'confirmed');
    assert.equal(call.state, 'established');
    assert.equal(await call.hangup(), 200);
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000));
  });

  it('a 422 to our session refresh: the refresh goes again once with the Min-SE, which becomes the interval (RFC 4028 §7.4)', async () => {
    edge.onCall((c) => void c.answer(rtp.sdp()));
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: [...callerHeaders, ['Session-Expires', '2']] });
    assert.deepEqual(await call.established, { ok: true });
    const session = app.sessions[0]!;
    const refreshes: string[] = [];
    const minSes: Array<string | undefined> = [];
    call.inDialogHook = (req) => {
      if (req.method !== 'UPDATE') return undefined;
      refreshes.push(req.headers.get('session-expires') ?? '');
      minSes.push(req.headers.get('min-se'));
      // the first refresh is below our (the caller's) Min-SE of 3 s
      return refreshes.length === 1 ? { status: 422, reason: 'Session Interval Too Small', headers: [['Min-SE', '3']] } : undefined;
    };
    assert.ok(await waitFor(() => refreshes.length >= 2, 5000), `refreshes: ${JSON.stringify(refreshes)}`);
    assert.deepEqual(refreshes.slice(0, 2), ['2;refresher=uac', '3;refresher=uac']);
    assert.ok(await waitFor(() => session.sessionTimer('a')?.intervalS === 3, 2000), 'the retried interval is the leg\'s interval');
    // The next refresh comes at half of 3 s and keeps the call up past the old 2 s interval.
    assert.ok(await waitFor(() => refreshes.length >= 3, 5000), 'refreshed again');
    assert.equal(refreshes[2], '3;refresher=uac');
    assert.deepEqual(minSes.slice(0, 3), [undefined, '3', '3'], 'refreshes after the 422 carry its Min-SE (RFC 4028 §7.4)');
    assert.equal(session.state, 'confirmed');
    call.inDialogHook = undefined;
    assert.equal(await call.hangup(), 200);
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000));
  });

  it('the caller ends its early dialog with BYE (RFC 3261 §15): 200 to the BYE, 487 to its INVITE, the callee is cancelled', async () => {
    let leg: IncomingCall | undefined;
    edge.onCall((c) => {
      leg = c;
      c.ringing();
    });
    const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: callerHeaders });
    assert.ok(await waitFor(() => leg !== undefined && call.dialog !== undefined && app.sessions[0]?.state === 'early', 3000), 'ringing, early dialog');
    const bye = await edge.sendInDialog(call.dialog!, call.dialog!.createRequest('BYE'));
    assert.equal(bye.status, 200);
    const outcome = await Promise.race([call.established, new Promise((r) => setTimeout(() => r('no final response'), 3000))]);
    assert.deepEqual(outcome, { ok: false, status: 487, reason: 'Request Terminated' });
    assert.ok(await waitFor(() => leg!.state === 'terminated', 3000), 'the callee got CANCEL');
    assert.ok(await waitFor(() => app.sessions.length === 0, 2000), 'the session ended');
  });

  it('UPDATE with a new offer in the early dialog goes through the engine to the caller (RFC 3311)', async () => {
    const bRtp = await RtpPhone.open();
    try {
      let leg: IncomingCall | undefined;
      edge.onCall((c) => {
        leg = c;
        c.ringing();
        const sdp = bRtp.sdp(undefined, 'bob');
        c.localSdp = sdp;
        c.serverTx!.respond(createResponse(c.invite, 183, 'Session Progress', {
          toTag: c.dialog!.localTag,
          headers: [['Contact', edge.contact], ['Content-Type', 'application/sdp']],
          body: sdp,
        }));
      });
      const call = edge.invite('sip:102@pbx.example.com', { sdp: rtp.sdp(), headers: callerHeaders });
      assert.ok(await waitFor(() => leg !== undefined && call.dialog !== undefined && call.remoteSdp === undefined && app.sessions[0]?.state === 'early', 3000));
      const aSeq = call.dialog!.remoteSeq ?? 0;
      const moved = await RtpPhone.open();
      try {
        const d = leg!.dialog!;
        const res = await edge.sendInDialog(d, d.createRequest('UPDATE', { body: moved.sdp(undefined, 'bob'), contentType: 'application/sdp' }));
        assert.equal(res.status, 200);
        assert.match(res.body.toString('utf8'), /m=audio \d+ RTP\/AVP/, 'the engine answered the callee');
        assert.ok(!res.body.toString('utf8').includes(`m=audio ${rtp.port} `), 'with its own address, not the caller\'s');
        assert.ok((call.dialog!.remoteSeq ?? 0) > aSeq, 'the caller got the UPDATE in its early dialog');
      } finally {
        moved.close();
      }
      void leg!.answer(leg!.localSdp);
      assert.deepEqual(await call.established, { ok: true });
      assert.equal(await call.hangup(), 200);
    } finally {
      bRtp.close();
    }
  });
});
