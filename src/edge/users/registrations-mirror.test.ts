// The registrations mirror writes a flush with one upsert; a binding whose terminal, client or user was deleted
// before the write must not spoil it for everybody else (both store backends).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../../../test/support/stores.ts';
import { demoOwners } from '../../../test/support/owner-rows.ts';
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
