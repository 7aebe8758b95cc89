// The registrations mirror writes a flush with one upsert; a binding whose terminal, client or user was deleted
// before the write must not spoil it for everybody else (both store backends).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../../../test/support/stores.ts';
import { demoOwners } from '../../../test/support/owner-rows.ts';
import { FakeClock } from '../../sip/clock.ts';
import type { Flow } from './flow.ts';
import { MemoryLocation } from './location.ts';
import { RegistrationsMirror } from './registrations-mirror.ts';

forEachBackend('RegistrationsMirror', (b) => {
  it('a terminal or user deleted while registered spoils nothing: the other bindings are written, that one without the user or not at all', async () => {
    const db = b.store.db;
    const { clientId, tag, ...owners } = await demoOwners(db);
    const terminal = (name: string) => owners.terminal(name);
    const user = (name: string, terminalId: number) => owners.user(name, { terminalId });
    const location = new MemoryLocation();
    const errors: unknown[] = [];
    const mirror = new RegistrationsMirror(db, location, { node: 'edge-test', delayMs: 60_000, onError: (e) => errors.push(e) });
    const phones = { kept: await terminal('kept'), gone: await terminal('gone'), userless: await terminal('userless') };
    const users = { kept: await user('kept', phones.kept), userless: await user('userless', phones.userless) };
    const aor = (n: string) => `sip:${n}-${tag}@example.com`;
    for (const [name, terminalId] of Object.entries(phones)) {
      const r = await location.apply({
        aor: aor(name), owner: { clientId, terminalId, userId: users[name as keyof typeof users] ?? null }, callId: `${name}@t`, cseq: 1,
        flow: { transport: 'UDP', host: '192.0.2.1', port: 5060 }, changes: [{ contact: `sip:${name}@192.0.2.1`, key: `sip:${name}@192.0.2.1`, expires: 600 }],
        single: false,
      });
      assert.ok(r.ok);
    }
    // the operator deletes a terminal and a user before the mirror's next write
    await db.deleteFrom('terminals').where('id', '=', phones.gone).execute();
    await db.deleteFrom('users').where('id', '=', users.userless).execute();
    await mirror.flush();
    assert.deepEqual(errors, []);
    const rows = () => db.selectFrom('registrations').select(['aor', 'terminalId', 'userId']).where('aor', 'like', `%-${tag}@%`).orderBy('aor').execute();
    assert.deepEqual(await rows(), [
      { aor: aor('kept'), terminalId: phones.kept, userId: users.kept },
      { aor: aor('userless'), terminalId: phones.userless, userId: null },
    ]);
    // a refresh of a written binding updates its row (the upsert)
    await location.apply({
      aor: aor('kept'), owner: { clientId, terminalId: phones.kept, userId: users.kept }, callId: 'kept@t', cseq: 2,
      flow: { transport: 'UDP', host: '192.0.2.1', port: 5060 }, changes: [{ contact: 'sip:kept@192.0.2.1', key: 'sip:kept@192.0.2.1', expires: 900 }], single: false,
    });
    await mirror.flush();
    assert.deepEqual(errors, []);
    const [kept] = await db.selectFrom('registrations').select(['cseq']).where('aor', '=', aor('kept')).execute();
    assert.equal(kept!.cseq, 2);
    await mirror.close();
    await location.close();
  });
}, { fresh: 'suite' });

// After a restart (embedded: the location is in memory) an edge puts its UDP bindings back from the rows.
forEachBackend('RegistrationsMirror restart', (b) => {
  it('puts back the live UDP bindings of this node as they were; connection bindings, expired ones and newer registrations win over rows', async () => {
    const db = b.store.db;
    const { clientId, tag, ...owners } = await demoOwners(db);
    const clock = new FakeClock(Date.UTC(2026, 10, 24, 12));
    const edgeA = { id: `edge-a-${tag}`, host: '127.0.0.1', port: 5069 };
    const owner = async (name: string) => {
      const terminalId = await owners.terminal(name);
      return { clientId, terminalId, userId: await owners.user(name, { terminalId }) };
    };
    const who = {
      alice: await owner('alice'), bob: await owner('bob'), carol: await owner('carol'), erin: await owner('erin'), frank: await owner('frank'), other: await owner('other'),
    };
    const aor = (n: string) => `sip:${n}-${tag}@example.com`;
    const udp = (host: string) => ({ transport: 'UDP' as const, host, port: 5062 });
    const reg = (name: keyof typeof who, o: { contact: string; instance?: string; expires: number; flow?: Flow; cseq?: number; q?: number; callId?: string }) => ({
      aor: aor(name), owner: who[name], callId: o.callId ?? `${name}@t`, cseq: o.cseq ?? 1, flow: o.flow ?? udp('192.0.2.7'), single: false, userAgent: `ua-${name}`,
      changes: [{
        contact: o.contact, key: o.instance ?? o.contact, expires: o.expires,
        ...(o.q !== undefined ? { q: o.q } : {}), ...(o.instance !== undefined ? { instanceId: o.instance } : {}),
      }],
    });

    // the first run: four phones on this node, one on another node (a second edge on the same store, no Redis)
    const before = new MemoryLocation({ clock, sweepMs: 0 });
    await before.attachEdge(edgeA);
    const mirror = new RegistrationsMirror(db, before, { node: edgeA.id, delayMs: 60_000 });
    assert.ok((await before.apply(reg('alice', { contact: 'sip:alice@10.0.0.7:5062', instance: '<urn:uuid:a1>', expires: 600, q: 0.5 }))).ok);
    clock.tick(1000);
    assert.ok((await before.apply(reg('alice', { contact: 'sip:alice@10.0.0.8:5062', expires: 600, flow: udp('192.0.2.8') }))).ok);
    assert.ok((await before.apply(reg('bob', { contact: 'sip:bob@192.0.2.9:5063;transport=tcp', expires: 600, flow: { transport: 'TCP', host: '192.0.2.9', port: 5063, connectionId: 'c1' } }))).ok);
    assert.ok((await before.apply(reg('carol', { contact: 'sip:carol@192.0.2.10', expires: 60 }))).ok);
    assert.ok((await before.apply(reg('erin', { contact: 'sip:erin@192.0.2.11', expires: 600 }))).ok);
    assert.ok((await before.apply(reg('frank', { contact: 'sip:frank@192.0.2.13', expires: 600 }))).ok);
    const aliceBefore = before.lookupSync(aor('alice'));
    const erinBefore = before.lookupSync(aor('erin'));
    const elsewhere = new MemoryLocation({ clock, sweepMs: 0 });
    await elsewhere.attachEdge({ id: `edge-b-${tag}`, host: '127.0.0.2', port: 5069 });
    const otherMirror = new RegistrationsMirror(db, elsewhere, { node: `edge-b-${tag}`, delayMs: 60_000 });
    assert.ok((await elsewhere.apply(reg('other', { contact: 'sip:other@192.0.2.12', expires: 600 }))).ok);
    await otherMirror.close();
    await mirror.close(); // shutdown flushes
    await before.close();
    // a row no binding can be made from (an IPv6 zone id in the source): deleted, not left in the portal forever
    await db.insertInto('registrations').values({
      clientId, terminalId: who.other.terminalId, aor: aor('zoned'), contact: 'sip:zoned@[fe80::1]', expiresAt: new Date(clock.now() + 600_000),
      received: 'udp:[fe80::1%eth0]:5060', callId: 'z@t', cseq: 1, node: edgeA.id,
    }).execute();

    // down for two minutes: carol's binding expired meanwhile; erin registers again on the new run before the rows
    // are read (a new Call-ID: a rebooted phone), so her new binding stays
    clock.tick(120_000);
    const after = new MemoryLocation({ clock, sweepMs: 0 });
    await after.attachEdge(edgeA);
    const changed: string[] = [];
    after.onChange((a) => changed.push(a));
    assert.ok((await after.apply(reg('erin', { contact: 'sip:erin@192.0.2.11', expires: 600, callId: 'erin-rebooted@t' }))).ok);
    const erinNew = after.lookupSync(aor('erin'));
    const mirror2 = new RegistrationsMirror(db, after, { node: edgeA.id, delayMs: 60_000 });
    // the edge serves phones while the rows are read: frank unregisters then, and must stay unregistered
    const starting = mirror2.start();
    assert.ok((await after.apply({ ...reg('frank', { contact: 'sip:frank@192.0.2.13', expires: 0, cseq: 2 }), changes: 'remove-all' })).ok);
    assert.equal(await starting, 2, "alice's two bindings (frank changed his AoR meanwhile)");
    assert.deepEqual(after.lookupSync(aor('frank')), []);
    assert.deepEqual(after.lookupSync(aor('alice')), aliceBefore, 'the same bindings: contact, key, q, flow, Call-ID, CSeq, times, owner');
    assert.ok(aliceBefore.length === 2 && aliceBefore[1]!.q === 0.5 && aliceBefore[1]!.key === '<urn:uuid:a1>' && aliceBefore[1]!.instanceId === '<urn:uuid:a1>');
    assert.deepEqual(after.lookupSync(aor('erin')), erinNew, 'a binding registered since the restart is not replaced by its old row');
    assert.notDeepEqual(erinNew, erinBefore);
    assert.deepEqual(after.lookupSync(aor('bob')), [], 'a TCP connection did not survive the restart');
    assert.deepEqual(after.lookupSync(aor('carol')), [], 'expired while down');
    assert.deepEqual(changed.sort(), [aor('alice'), aor('erin'), aor('frank')].sort(), 'listeners (keep-alive, mirror) hear of the AoRs put back');

    const rows = async () => (await db.selectFrom('registrations').select(['aor', 'node']).where('aor', 'like', `%-${tag}@%`).orderBy('aor').orderBy('contact').execute())
      .map((r) => `${r.aor.split('-')[0]!.slice(4)}@${r.node === edgeA.id ? 'a' : 'b'}`);
    assert.deepEqual(await rows(), ['alice@a', 'alice@a', 'erin@a', 'frank@a', 'other@b'], "bob's, carol's and the zoned rows went; the other node's stayed");
    await mirror2.flush();
    assert.deepEqual(await rows(), ['alice@a', 'alice@a', 'erin@a', 'other@b'], "frank's unregister reached the table");
    await mirror2.close();
    await after.close();
  });
}, { fresh: 'suite' });
