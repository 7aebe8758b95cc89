// The app alone, with a test user agent standing in for the users edge (it sends the A-leg INVITE with the X-Sy-*
// caller headers and receives the B leg): what the B-leg INVITE carries per the calls contract, failure mapping,
// the no-answer limit, and that the edge's internal headers are required.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryClient, DirectoryTerminal, DirectoryUser } from '../../src/store/directory/index.ts';
import { BuiltinMediaEngine } from '../../src/media/builtin/engine.ts';
import { createAppServer, type AppServer } from '../../src/app/server.ts';
import type { DirectoryView } from '../../src/app/routing.ts';
import { createSipStack, type SipStack } from '../../src/sip/stack.ts';
import { UserAgent, type IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { RtpPhone, randomPortBase, waitFor } from '../media/support/phone.ts';

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
    const base = randomPortBase(100);
    media = new BuiltinMediaEngine({ portMin: base, portMax: base + 99 });
    edgeStack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
    const e = edgeStack.addresses[0]!;
    app = await createAppServer({
      directory,
      media,
      listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
      edges: [{ host: '127.0.0.1', port: e.port }],
      ringTimeoutMs: 1500,
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
});
