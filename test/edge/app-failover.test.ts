// Several app nodes (SIP_APP_NODES): the users edge probes them with keep-alive OPTIONS (src/sip/ua/peer-health.ts)
// and sends no new call to one that stopped answering (seed-part1 §1.32: an application server that does not
// respond is disabled). Here the client's hash picks a node that never answers; once the probes find it silent,
// alice's call goes to the node that answers, and the silent one never sees an INVITE.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createAppNodeSelector, type AppNode } from '../../src/edge/users/app-nodes.ts';
import { DOMAIN, SDP, startEdgeWorld, until, type EdgeWorld } from './support.ts';

describe('users edge: an app node that does not answer gets no new calls', () => {
  let W: EdgeWorld;
  let silent: Socket;
  const received: string[] = [];
  let silentNode: AppNode;

  before(async () => {
    silent = createSocket('udp4');
    silent.on('message', (m) => received.push(m.toString('latin1').split(' ')[0]!));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    silentNode = { host: '127.0.0.1', port: silent.address().port, transport: 'UDP' };
    W = await startEdgeWorld({ appProbe: { intervalMs: 100, timeoutMs: 150 } }, {
      // the order that makes client A's hash land on the silent node
      appNodes: (fake, w) => {
        const order = [silentNode, fake];
        return createAppNodeSelector(order).pick(w.clientA) === silentNode ? order : [fake, silentNode];
      },
    });
  });
  after(async () => {
    await W?.close();
    silent?.close();
  });

  it('the call goes to the node that answers; the silent one gets probes only', async () => {
    await until(() => received.includes('OPTIONS') && !W.edge.appHealth.isUp(silentNode.host, silentNode.port), 5000);
    const alice = await W.phone('alice');
    const bob = await W.phone('bob');
    assert.ok((await alice.ua.register({ expires: 600 })).ok);
    assert.ok((await bob.ua.register({ expires: 600 })).ok);
    bob.ua.onCall((c) => void c.answer(SDP('127.0.0.1', 4002)));
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    assert.deepEqual(await call.established, { ok: true });
    assert.equal(W.app.aLegs.length, 1, 'the answering node got the call');
    assert.equal(received.includes('INVITE'), false, 'the silent node got no INVITE');
    await call.hangup();
  });
});
