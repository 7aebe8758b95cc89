import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../sip/message.ts';
import { createSipStack, type SipStack } from '../../sip/stack.ts';
import { isNatedUdp, NatKeepalive } from './nat-keepalive.ts';
import { MemoryLocation, type RegisterUpdate } from './location.ts';
import type { Flow } from './flow.ts';
import { FakeClock } from '../../sip/clock.ts';

const owner = { clientId: 1, terminalId: 1, userId: 1 };

function register(loc: MemoryLocation, name: string, contact: string, flow: Flow): Promise<unknown> {
  const u: RegisterUpdate = { aor: `sip:${name}@d.example`, owner, callId: `c-${name}`, cseq: 1, flow, changes: [{ contact, key: contact, expires: 300 }], single: false };
  return loc.apply(u);
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not reached');
}

test('NAT detection: UDP only, contact differing from the source or a private contact address', () => {
  const udp = (host: string, port: number): Flow => ({ transport: 'UDP', host, port });
  assert.equal(isNatedUdp('sip:a@192.168.1.20:5060', udp('203.0.113.9', 40000)), true);
  assert.equal(isNatedUdp('sip:a@203.0.113.9:5060', udp('203.0.113.9', 40000)), true, 'port rewritten by NAT');
  assert.equal(isNatedUdp('sip:a@203.0.113.9:40000', udp('203.0.113.9', 40000)), false);
  assert.equal(isNatedUdp('sip:a@203.0.113.9', udp('203.0.113.9', 5060)), false, 'default port 5060');
  assert.equal(isNatedUdp('sip:a@192.168.1.20:5060', { transport: 'TCP', host: '203.0.113.9', port: 40000, connectionId: 'c1' }), false);
  assert.equal(isNatedUdp('not a uri', udp('203.0.113.9', 40000)), false);
});

test('keep-alive OPTIONS reach NATed UDP phones only; unanswered ones are removed when configured', async (t) => {
  const stacks: SipStack[] = [];
  const loc = new MemoryLocation({ sweepMs: 0 });
  t.after(async () => {
    for (const s of stacks) await s.close();
    await loc.close();
  });
  const edge = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }], timers: { T1: 10, T2: 40 } });
  const phone = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
  stacks.push(edge, phone);
  let options = 0;
  phone.tx.onRequest((req, tx) => {
    if (req.method === 'OPTIONS') options++;
    tx.respond(createResponse(req, 200, 'OK', { toTag: 'p' }));
  });
  const phonePort = phone.addresses[0]!.port;
  // a closed port: bind a stack, note the port, close it
  const gone = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
  const deadPort = gone.addresses[0]!.port;
  await gone.close();

  const ka = new NatKeepalive({ stack: edge, location: loc, intervalSeconds: 0, unreachableAfter: 2 });
  t.after(() => ka.close());
  await register(loc, 'natted', 'sip:natted@192.168.1.20:5060', { transport: 'UDP', host: '127.0.0.1', port: phonePort });
  await register(loc, 'direct', `sip:direct@127.0.0.1:${phonePort}`, { transport: 'UDP', host: '127.0.0.1', port: phonePort });
  await register(loc, 'dead', 'sip:dead@10.0.0.7:5060', { transport: 'UDP', host: '127.0.0.1', port: deadPort });
  assert.equal(ka.size, 2, 'the direct phone is not pinged');

  ka.pingAll();
  await until(() => ka.stats.answered === 1 && ka.stats.timedOut === 1);
  assert.equal(options, 1, 'exactly one OPTIONS reached the live phone');
  assert.equal((await loc.lookup('sip:dead@d.example')).length, 1, 'one miss does not remove');

  ka.pingAll();
  await until(() => ka.stats.removed === 1);
  assert.equal((await loc.lookup('sip:dead@d.example')).length, 0, 'removed after two misses in a row');
  assert.equal((await loc.lookup('sip:natted@d.example')).length, 1);
  assert.equal(ka.size, 1);
});

test('a REGISTER changes only its own AoR\'s pinged bindings', async (t) => {
  const loc = new MemoryLocation({ sweepMs: 0 });
  const edge = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
  const ka = new NatKeepalive({ stack: edge, location: loc, intervalSeconds: 0 });
  t.after(async () => {
    ka.close();
    await edge.close();
    await loc.close();
  });
  const flow: Flow = { transport: 'UDP', host: '203.0.113.9', port: 40000 };
  for (let i = 0; i < 50; i++) await register(loc, `p${i}`, `sip:p${i}@192.168.1.${i}:5060`, flow);
  // a second device on p0, then p0's first one unregisters
  await register(loc, 'p0', 'sip:p0b@192.168.2.1:5060', flow);
  assert.equal(ka.size, 51);
  const u: RegisterUpdate = { aor: 'sip:p0@d.example', owner, callId: 'c-p0', cseq: 2, flow, changes: [{ contact: 'sip:p0@192.168.1.0:5060', key: 'sip:p0@192.168.1.0:5060', expires: 0 }], single: false };
  assert.ok((await loc.apply(u)).ok);
  assert.equal(ka.size, 50, 'p0 keeps its second device, the 49 others are untouched');
  // an AoR whose name another one starts with is its own entry
  await register(loc, 'p1x', 'sip:p1x@192.168.3.1:5060', flow);
  assert.equal(ka.size, 51);
});

test('a ping whose send fails at once, with an expired binding beside it, leaves the count right', async (t) => {
  const clock = new FakeClock();
  const loc = new MemoryLocation({ sweepMs: 0, clock });
  // a stack whose sends fail synchronously: the transport error reaches the keep-alive inside pingAll
  const failing = {
    sentBy: () => undefined,
    tx: { sendRequest: (_req: unknown, _target: unknown, h: { onTransportError?: () => void }) => h.onTransportError?.() },
  } as unknown as SipStack;
  const ka = new NatKeepalive({ stack: failing, location: loc, intervalSeconds: 0, unreachableAfter: 1, clock });
  t.after(async () => {
    ka.close();
    await loc.close();
  });
  const flow: Flow = { transport: 'UDP', host: '203.0.113.9', port: 40000 };
  const add = (contact: string, expires: number, callId: string) =>
    loc.apply({ aor: 'sip:two@d.example', owner, callId, cseq: 1, flow, changes: [{ contact, key: contact, expires }], single: false });
  assert.ok((await add('sip:old@192.168.1.1:5060', 10, 'c-old')).ok);
  clock.tick(1000);
  assert.ok((await add('sip:new@192.168.1.2:5060', 300, 'c-new')).ok);
  assert.equal(ka.size, 2);
  clock.tick(10_000); // the first binding has expired; the second is pinged, fails at once and is removed
  ka.pingAll();
  await until(() => ka.stats.removed === 1);
  assert.equal(ka.size, 0);
  assert.equal(ka.stats.sent, 1);
});
