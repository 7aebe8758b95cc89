// A restart of the SIP roles (embedded store, location in memory) keeps the phones reachable: the users edge puts
// the previous run's UDP registrations back from the `registrations` table (src/edge/users/registrations-mirror.ts),
// so a call to a phone that has not registered again since reaches it, and the registrations view still lists it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { injectAs, ok } from '../support/api.ts';
import { RtpPhone } from '../media/support/phone.ts';
import type { IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { freeSipPort, startPlatform, type Phone, type Platform } from './support/platform.ts';

describe('restart of switchyard start (embedded): registrations survive', { timeout: 120_000 }, () => {
  let p: Platform;
  let alice: Phone;
  let bob: Phone;
  const rtp: RtpPhone[] = [];

  before(async () => {
    p = await startPlatform({ env: { SIP_USERS_PORT: String(await freeSipPort()) } });
    alice = await p.phone('alice');
    bob = await p.phone('bob');
    assert.ok((await alice.ua.register()).ok);
    assert.ok((await bob.ua.register()).ok);
  });

  after(async () => {
    for (const r of rtp) r.close();
    await p?.stop();
  });

  it('a phone that did not register again since the restart gets the call; the registrations view lists both', async () => {
    await p.restartSip();
    const token = await p.clientToken();
    const regs = ok(await injectAs(p.api, token, 'GET', '/api/client/registrations'));
    assert.deepEqual(regs.items.map((r: { aor: string }) => r.aor.split('@')[0]).sort(), ['sip:alice', 'sip:bob']);

    const aRtp = await RtpPhone.open();
    const bRtp = await RtpPhone.open();
    rtp.push(aRtp, bRtp);
    let aliceCall: IncomingCall | undefined;
    alice.ua.onCall((c) => {
      aliceCall = c;
      void c.answer(aRtp.sdp([[0, 'PCMU/8000']], 'alice'));
    });
    const call = bob.ua.invite(`sip:101@${p.domain}`, { sdp: bRtp.sdp([[0, 'PCMU/8000']], 'bob') });
    assert.deepEqual(await call.established, { ok: true }, 'alice reached without a new REGISTER');
    assert.ok(aliceCall);
    await call.hangup();
  });
});
