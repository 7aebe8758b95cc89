// Timer C of the users edge proxy (RFC 3261 §16.6 step 11, §16.8): a callee that rings forever has its branch
// CANCELled when Timer C fires, and the caller gets 408 Request Timeout (not the 487 of the proxy's own CANCEL).
// A small `timerCMs` stands in for the 180 s default.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { DOMAIN, SDP, startEdgeWorld, until, type EdgeWorld } from './support.ts';

describe('users edge: Timer C', () => {
  let W: EdgeWorld;
  before(async () => {
    W = await startEdgeWorld({ timerCMs: 400 });
  });
  after(async () => {
    await W?.close();
  });

  it('a branch that only rings is CANCELled by Timer C; the caller gets 408', async () => {
    const alice = await W.phone('alice');
    const bob = await W.phone('bob');
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
    assert.ok((await bob.ua.register({ expires: 600 })).ok);
    const calls: IncomingCall[] = [];
    bob.ua.onCall((c) => {
      calls.push(c);
      c.ringing();
    });
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    const r = await call.established;
    assert.deepEqual(r, { ok: false, status: 408, reason: 'Request Timeout' });
    await until(() => calls.length === 1);
    const end = await calls[0]!.ended;
    assert.equal(end.status, 487, "the ringing phone got the proxy's CANCEL");
    assert.ok(calls[0]!.state === 'terminated');
    await alice.ua.register({ expires: 0 });
    await bob.ua.register({ expires: 0 });
  });
});
