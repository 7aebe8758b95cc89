// Calls through the users edge with a fake app node (B2BUA stand-in): phone → edge → app → edge → phone(s).
// Contract headers, trust boundary, record-routing, forking with the rejection policies, CANCEL, BYE from the
// callee, not registered, and rejections that must not disturb a call in progress.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { createRequest } from '../../src/sip/message.ts';
import { DOMAIN, SDP, request, startEdgeWorld, until, type EdgeWorld, type Phone } from './support.ts';

describe('users edge: calls through the app node', () => {
  let W: EdgeWorld;
  let alice: Phone;
  before(async () => {
    W = await startEdgeWorld();
    alice = await W.phone('alice');
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
  });
  after(async () => {
    await W.close();
  });
  beforeEach(() => {
    W.app.policy = {};
  });

  /** bob's devices, registered; each collects its incoming calls */
  async function bobDevices(n: number): Promise<Array<Phone & { calls: IncomingCall[] }>> {
    const out: Array<Phone & { calls: IncomingCall[] }> = [];
    for (let i = 0; i < n; i++) {
      const p = await W.phone('bob');
      const calls: IncomingCall[] = [];
      p.ua.onCall((c) => calls.push(c));
      assert.ok((await p.ua.register({ expires: 600 })).ok);
      out.push({ ...p, calls });
    }
    return out;
  }
  async function unregister(ps: Phone[]): Promise<void> {
    for (const p of ps) await p.ua.register({ expires: 0 });
  }

  it('alice calls bob: contract headers to the app, none to bob, answer, in-dialog INFO, BYE from the callee', async () => {
    const [bob] = await bobDevices(1);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000), headers: [['X-Sy-Target', 'terminal;id=1'], ['X-Sy-Brand', '999']] });
    await until(() => bob!.calls.length === 1);
    const inc = bob!.calls[0]!;
    // what the app saw on the A-leg: the edge's headers only (the phone's injected ones are gone)
    const a = W.app.aLegs.at(-1)!;
    assert.equal(a.headers.getAll('X-Sy-Brand').join(), String(W.w.brandA));
    assert.equal(a.headers.get('X-Sy-Client'), String(W.w.clientA));
    assert.equal(a.headers.get('X-Sy-Caller'), `terminal;id=${W.terminals.alice!.id};user=${W.terminals.alice!.userId}`);
    assert.equal(a.headers.get('X-Sy-Source'), `127.0.0.1:${alice.port};transport=udp`);
    assert.equal(a.headers.get('X-Sy-Call-Kind'), 'internal-origin');
    assert.equal(a.headers.has('X-Sy-Target'), false);
    assert.equal(a.headers.has('proxy-authorization'), false, 'credentials consumed at the edge');
    assert.equal(a.recordRoutes().length, 2, 'double record-route');
    assert.equal(a.recordRoutes()[0]!.uri.port, W.edge.internalAddress.port, 'the app-facing entry on top');
    // what bob got: no internal header at all, our Record-Route (phone-facing on top)
    const names = [...inc.invite.headers].map(([n]) => n.toLowerCase());
    assert.equal(names.some((n) => n.startsWith('x-sy-')), false, names.join());
    assert.equal(inc.invite.recordRoutes()[0]!.uri.port, W.edge.address('UDP')!.port);
    assert.equal(Number(inc.invite.maxForwards) < 70, true);
    inc.ringing();
    assert.ok(await inc.answer(SDP('127.0.0.1', 5000)));
    assert.deepEqual(await call.established, { ok: true });
    assert.match(call.remoteSdp ?? '', /m=audio 5000/);
    assert.equal(await call.info('5'), 200);
    await until(() => inc.dtmf.includes('5'));
    // BYE from the callee travels bob → edge → app → edge → alice
    assert.equal(await inc.hangup(), 200);
    const end = await call.ended;
    assert.equal(end.by, 'remote');
    await unregister([bob!]);
  });

  it('a callee slower than 200 ms: the caller hears 100 Trying from the edge first (RFC 3261 §17.2.1)', async () => {
    const [bob] = await bobDevices(1);
    const slow = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => bob!.calls.length === 1);
    await until(() => slow.provisionals.length > 0);
    assert.equal(slow.provisionals[0], 100);
    bob!.calls[0]!.ringing();
    await until(() => slow.state === 'ringing');
    // (a retransmitted INVITE on a loaded machine gets the 100 again: any number of them, then the 180)
    assert.deepEqual([...new Set(slow.provisionals)], [100, 180]);
    await slow.hangup();
    await slow.ended;
    await unregister([bob!]);
  });

  it('two contacts: both ring, one answers, the other gets CANCEL', async () => {
    const [b1, b2] = await bobDevices(2);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1 && b2!.calls.length === 1);
    b1!.calls[0]!.ringing();
    b2!.calls[0]!.ringing();
    assert.ok(await b2!.calls[0]!.answer(SDP('127.0.0.1', 5002)));
    assert.deepEqual(await call.established, { ok: true });
    const other = await b1!.calls[0]!.ended;
    assert.equal(other.status, 487, 'cancelled by the edge');
    assert.equal(await call.hangup(), 200);
    assert.equal((await b2!.calls[0]!.ended).by, 'remote');
    await unregister([b1!, b2!]);
  });

  it('default policy: 486 from one device keeps the call, the other answers', async () => {
    const [b1, b2] = await bobDevices(2);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1 && b2!.calls.length === 1);
    b1!.calls[0]!.ringing();
    b2!.calls[0]!.ringing();
    b1!.calls[0]!.reject(486, 'Busy Here');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(call.state === 'ringing' || call.state === 'calling', true, `still ringing (${call.state})`);
    assert.ok(await b2!.calls[0]!.answer(SDP('127.0.0.1', 5004)));
    assert.deepEqual(await call.established, { ok: true });
    assert.equal(await call.hangup(), 200);
    await unregister([b1!, b2!]);
  });

  it('default policy: 603 from one device ends the call on every device', async () => {
    const [b1, b2] = await bobDevices(2);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1 && b2!.calls.length === 1);
    b1!.calls[0]!.ringing();
    b2!.calls[0]!.ringing();
    b1!.calls[0]!.reject(603, 'Decline');
    assert.deepEqual(await call.established, { ok: false, status: 603, reason: 'Decline' });
    assert.equal((await b2!.calls[0]!.ended).status, 487);
    await unregister([b1!, b2!]);
  });

  it('reject-all: a 486 ends every device; reject-current: a 603 ends only its device', async () => {
    const [b1, b2] = await bobDevices(2);
    W.app.policy = { reject: 'reject-all' };
    const c1 = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1 && b2!.calls.length === 1);
    b1!.calls[0]!.ringing();
    b2!.calls[0]!.ringing();
    b1!.calls[0]!.reject(486, 'Busy Here');
    assert.deepEqual(await c1.established, { ok: false, status: 486, reason: 'Busy Here' });
    assert.equal((await b2!.calls[0]!.ended).status, 487);

    W.app.policy = { reject: 'reject-current' };
    const c2 = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 2 && b2!.calls.length === 2);
    b1!.calls[1]!.ringing();
    b2!.calls[1]!.ringing();
    b1!.calls[1]!.reject(603, 'Decline');
    await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(c2.state, 'terminated');
    b2!.calls[1]!.reject(480, 'Temporarily Unavailable');
    const r = await c2.established;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 486, '6xx counts as 486 under reject-current; 486 beats a 480');
    await unregister([b1!, b2!]);
  });

  it('multi contact off (X-Sy-Multi-Contact: 0): only the latest device rings', async () => {
    const [b1, b2] = await bobDevices(2);
    W.app.policy = { multi: '0' };
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b2!.calls.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(b1!.calls.length, 0);
    assert.ok(await b2!.calls[0]!.answer(SDP('127.0.0.1', 5006)));
    assert.deepEqual(await call.established, { ok: true });
    await call.hangup();
    await unregister([b1!, b2!]);
  });

  it('CANCEL before answer reaches the ringing device; not registered → 480', async () => {
    const [b1] = await bobDevices(1);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1);
    b1!.calls[0]!.ringing();
    await until(() => call.state === 'ringing');
    await call.hangup();
    assert.equal((await b1!.calls[0]!.ended).status, 487);
    const r = await call.established;
    assert.equal(!r.ok && r.status, 487);
    await unregister([b1!]);

    const c2 = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    assert.deepEqual(await c2.established, { ok: false, status: 480, reason: 'Not registered' });
  });

  it('the app-side allow-list: unknown X-Sy headers from the app never reach phones; untrusted sources are refused', async () => {
    const [b1] = await bobDevices(1);
    W.app.policy = { extra: [['X-Sy-Secret', 'leak'], ['X-Sy-Brand', '1']] };
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1);
    assert.equal([...b1!.calls[0]!.invite.headers].some(([n]) => n.toLowerCase().startsWith('x-sy-')), false);
    b1!.calls[0]!.reject(486);
    await call.ended;
    // a phone sending straight to the internal listener is not an app node
    const res = await rawUdp(W.edge.internalAddress.port, `INVITE sip:bob@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bKx1\r\nMax-Forwards: 70\r\nFrom: <sip:x@${DOMAIN}>;tag=1\r\nTo: <sip:bob@${DOMAIN}>\r\nCall-ID: untrusted1\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.1>\r\nContent-Length: 0\r\n\r\n`);
    assert.match(res, /^SIP\/2\.0 403 /);
    await unregister([b1!]);
  });

  it("an app node's keep-alive OPTIONS to the edge itself (no user) is answered 200 (src/sip/ua/peer-health.ts)", async () => {
    const i = W.edge.internalAddress;
    const probe = createRequest({
      method: 'OPTIONS',
      uri: `sip:${i.host}:${i.port}`,
      headers: [['Max-Forwards', '1'], ['From', '<sip:app@127.0.0.1>;tag=p1'], ['To', `<sip:${i.host}:${i.port}>`], ['Call-ID', 'probe-1'], ['CSeq', '1 OPTIONS']],
    });
    const res = await request(W.app.stack, probe, { transport: 'UDP', host: i.host, port: i.port });
    assert.equal(res.status, 200);
  });

  it('rejections (wrong password, unknown domain, malformed) do not disturb a call in progress', async () => {
    const [b1] = await bobDevices(1);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => b1!.calls.length === 1);
    assert.ok(await b1!.calls[0]!.answer(SDP('127.0.0.1', 5008)));
    assert.deepEqual(await call.established, { ok: true });

    const wrong = await W.phone('alice', { password: 'bad' });
    assert.deepEqual(await wrong.ua.register({ expires: 600 }), { ok: false, status: 403, reason: 'Wrong credentials' });
    const wrongCall = wrong.ua.invite(`sip:bob@${DOMAIN}`);
    assert.deepEqual(await wrongCall.established, { ok: false, status: 403, reason: 'Wrong credentials' });
    const nowhere = await W.phone('alice', { domain: 'nowhere.example.org' });
    assert.deepEqual(await nowhere.ua.register({ expires: 600 }), { ok: false, status: 403, reason: 'Unknown domain' });
    assert.match(await rawUdp(W.edge.address('UDP')!.port, 'INVITE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bKm1\r\nCSeq: x INVITE\r\nCall-ID: m1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nContent-Length: 0\r\n\r\n'), /^SIP\/2\.0 400 /);

    assert.equal(await call.info('7'), 200);
    await until(() => b1!.calls[0]!.dtmf.includes('7'));
    assert.equal(await call.hangup(), 200);
    await unregister([b1!]);
  });
});

async function rawUdp(port: number, text: string): Promise<string> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  try {
    const got = new Promise<string>((r) => {
      sock.on('message', (m) => {
        const s = m.toString();
        if (!/^SIP\/2\.0 100 /.test(s)) r(s);
      });
    });
    sock.send(text.replace('PORT', String(sock.address().port)), port, '127.0.0.1');
    return await got;
  } finally {
    // closed after the answer arrived (the finally runs once `got` settled)
    sock.close();
  }
}

describe('users edge: no 100 Trying of its own', () => {
  // The automatic 100 of the INVITE server transaction is pushed out of the way (a minute), so what reaches the
  // caller is only what the edge and the app send by themselves.
  let W: EdgeWorld;
  before(async () => {
    W = await startEdgeWorld({ timers: { trying100: 60_000 } });
  });
  after(async () => {
    await W.close();
  });

  it('a callee that rings: the caller gets the 180 and no 100 from any hop', async () => {
    const alice = await W.phone('alice');
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
    const bob = await W.phone('bob');
    const calls: IncomingCall[] = [];
    bob.ua.onCall((c) => calls.push(c));
    assert.ok((await bob.ua.register({ expires: 600 })).ok);
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => calls.length === 1);
    calls[0]!.ringing();
    await until(() => call.state === 'ringing');
    assert.deepEqual(call.provisionals, [180]);
    await call.hangup();
    await call.ended;
  });
});
