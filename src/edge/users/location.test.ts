import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../sip/clock.ts';
import { decodeFlow, encodeFlow, formatSource } from './flow.ts';
import { MemoryLocation, type RegisterUpdate } from './location.ts';

const owner = { clientId: 1, terminalId: 2, userId: 3 };
const upd = (o: Partial<RegisterUpdate> & Pick<RegisterUpdate, 'changes'>): RegisterUpdate => ({
  aor: 'sip:bob@a.example', owner, callId: 'c1', cseq: 1, flow: { transport: 'UDP', host: '192.0.2.1', port: 5060 }, single: false, ...o,
});
const ch = (contact: string, expires = 600) => ({ contact, key: contact, expires });

test('bindings: add, refresh, latest first, expiry, Call-ID/CSeq ordering (RFC 3261 §10.3 step 7)', async () => {
  const clock = new FakeClock();
  const loc = new MemoryLocation({ clock, sweepMs: 0 });
  const changes: string[] = [];
  loc.onChange((aor, b) => changes.push(`${aor}:${b.length}`));
  assert.ok((await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.1', 60)] }))).ok);
  clock.tick(1);
  assert.ok((await loc.apply(upd({ callId: 'c2', changes: [ch('sip:bob@10.0.0.2')] }))).ok);
  assert.deepEqual((await loc.lookup('sip:bob@a.example')).map((b) => b.contact), ['sip:bob@10.0.0.2', 'sip:bob@10.0.0.1']);
  // same Call-ID, same CSeq: refused, nothing changed
  const r = await loc.apply(upd({ callId: 'c2', cseq: 1, changes: [ch('sip:bob@10.0.0.2', 0)] }));
  assert.deepEqual(r, { ok: false, code: 'EDGE_REG_OUT_OF_ORDER' });
  // a different Call-ID may update it (§10.3: the binding is updated whatever the CSeq)
  assert.ok((await loc.apply(upd({ callId: 'c3', cseq: 1, changes: [ch('sip:bob@10.0.0.1', 600)] }))).ok);
  assert.equal((await loc.lookup('sip:bob@a.example'))[0]!.contact, 'sip:bob@10.0.0.1');
  clock.tick(601_000);
  assert.equal((await loc.lookup('sip:bob@a.example')).length, 0);
  assert.equal(loc.size(), 0);
  loc.sweep();
  assert.deepEqual(changes, ['sip:bob@a.example:1', 'sip:bob@a.example:2', 'sip:bob@a.example:2', 'sip:bob@a.example:0']);
});

test('single (multi contact off) keeps only the new binding; remove-all; dropped connection', async () => {
  const loc = new MemoryLocation({ sweepMs: 0 });
  await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.1')] }));
  await loc.apply(upd({ callId: 'x', changes: [ch('sip:bob@10.0.0.2')], single: true }));
  assert.deepEqual((await loc.lookup('sip:bob@a.example')).map((b) => b.contact), ['sip:bob@10.0.0.2']);
  await loc.apply(upd({ callId: 'x', cseq: 2, changes: 'remove-all' }));
  assert.equal((await loc.lookup('sip:bob@a.example')).length, 0);
  await loc.apply(upd({ changes: [ch('sip:bob@10.0.0.3')], flow: { transport: 'WS', host: '192.0.2.9', port: 40000, connectionId: 'ws-1' } }));
  assert.equal(await loc.dropConnection('ws-1'), 1);
  assert.equal((await loc.lookup('sip:bob@a.example')).length, 0);
  await loc.close();
});

test('flows survive the Record-Route parameter round trip; X-Sy-Source format', () => {
  const f = { transport: 'WS' as const, host: '2001:db8::1', port: 443, connectionId: 'ws-7' };
  assert.deepEqual(decodeFlow(encodeFlow(f)), f);
  assert.deepEqual(decodeFlow(encodeFlow({ transport: 'UDP', host: '192.0.2.1', port: 5060 })), { transport: 'UDP', host: '192.0.2.1', port: 5060 });
  assert.equal(decodeFlow('garbage!'), undefined);
  assert.equal(decodeFlow(Buffer.from('XX|h|1|').toString('base64url')), undefined);
  assert.equal(formatSource(f), '[2001:db8::1]:443;transport=ws');
});
