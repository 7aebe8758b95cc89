// The call recorder writes a flush with a few multi-row statements whatever the number of calls in it (never a
// statement per call), on both store backends: the JSON-parameter SQL of store-batch.ts must hold on PostgreSQL too.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { loadDemoData } from '../../store/demo.ts';
import { apiCreateRules } from '../../cli/first-start.ts';
import { forEachBackend } from '../../../test/support/stores.ts';
import { cheapHash } from '../../../test/support/api.ts';
import { demoOwners } from '../../../test/support/owner-rows.ts';
import { CallRecorder, type ActiveRow, type RegistryRow } from './recorder.ts';

/** Counts the statements sent through a Kysely instance. */
class Counter implements KyselyPlugin {
  n = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.n++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

forEachBackend('CallRecorder batches', (b) => {
  it('50 calls: one INSERT, one UPDATE, one DELETE + one registry INSERT; rows and states right', async () => {
    const d = await loadDemoData(b.store.db, { publicUrl: 'http://localhost' }, { ...apiCreateRules, hashPassword: cheapHash });
    assert.ok(d.ok && d.created);
    const { brandId, clientId } = d.ids;
    const counter = new Counter();
    const db = b.store.db.withPlugin(counter);
    const rec = new CallRecorder(db, { node: 'batch', delayMs: 60_000 }); // only flush() writes
    const tag = randomBytes(4).toString('hex');
    const row = (i: number, direction: 'inbound' | 'outbound', ownerId: number | null): ActiveRow => ({
      brandId, clientId, userId: null, callId: `${tag}-${i}`, direction, ownerType: 'user', ownerId, ownerName: `o${String(ownerId)}`,
      party: '102', caller: '101', callee: '102', startedAt: new Date(),
    });
    const keys = Array.from({ length: 50 }, (_, i) => [rec.open(row(i, 'outbound', null)), rec.open(row(i, 'inbound', 7))] as const);
    await rec.flush();
    assert.equal(counter.n, 1, 'one INSERT for 100 rows');
    const all = () => b.store.db.selectFrom('activeCalls').selectAll().where('callId', 'like', `${tag}-%`).orderBy('id').execute();
    let rows = await all();
    assert.equal(rows.length, 100);
    assert.ok(rows.every((r) => r.state === 'trying' && r.node === 'batch'));
    assert.deepEqual(rows.filter((r) => r.direction === 'inbound').map((r) => r.ownerId), Array(50).fill(7));

    const answered = new Date('2026-01-02T03:04:05.678Z');
    counter.n = 0;
    for (const [a, c] of keys.slice(0, 30)) {
      rec.state(a, 'confirmed', answered);
      rec.state(c, 'confirmed', answered);
    }
    for (const [a] of keys.slice(30)) rec.state(a, 'early');
    await rec.flush();
    assert.equal(counter.n, 1, 'one UPDATE for 80 rows');
    rows = await all();
    assert.equal(rows.filter((r) => r.state === 'confirmed' && r.answeredAt?.getTime() === answered.getTime()).length, 60);
    assert.equal(rows.filter((r) => r.state === 'early' && r.answeredAt === null).length, 20);
    assert.equal(rows.filter((r) => r.state === 'trying').length, 20);

    counter.n = 0;
    const registry: RegistryRow[] = [];
    for (const [i, [a, c]] of keys.entries()) {
      rec.close(a);
      rec.close(c);
      registry.push({ brandId, clientId, userId: null, callId: `${tag}-${i}`, startTime: answered, duration: i, caller: '101', callee: '102',
        direction: 'outbound', disposition: i < 30 ? 'answered' : 'cancelled', endpointType: 'user', endpointId: null, endpointName: '101' });
    }
    rec.finished(registry);
    await rec.flush();
    assert.equal(counter.n, 2, 'one DELETE and one registry INSERT');
    assert.equal((await all()).length, 0);
    const reg = await b.store.db.selectFrom('callRegistry').selectAll().where('callId', 'like', `${tag}-%`).orderBy('duration').execute();
    assert.equal(reg.length, 50);
    assert.deepEqual(reg.map((r) => r.duration), keys.map((_, i) => i));
    assert.equal(reg.filter((r) => r.disposition === 'answered').length, 30);
    assert.equal(reg[0]!.startTime.getTime(), answered.getTime());
    assert.equal(reg[0]!.endpointType, 'user');
    await rec.shutdown();
  });
}, { fresh: 'suite' });

forEachBackend('CallRecorder and deleted owners', (b) => {
  it('a user or client deleted while its call is up spoils nothing: the batch is written, that row without the user or not at all; deletes still cascade', async () => {
    const db = b.store.db;
    const { brandId, clientId, tag, ...owners } = await demoOwners(db);
    const newClient = owners.client;
    const newUser = (client: number, name: string) => owners.user(name, { clientId: client });
    const kept = await newUser(clientId, 'kept');
    const leaving = await newUser(clientId, 'leaving');
    const otherClient = await newClient('other');
    const errors: unknown[] = [];
    const rec = new CallRecorder(db, { node: 'batch', delayMs: 60_000, onError: (e) => errors.push(e) });
    const row = (i: number, client: number, userId: number): ActiveRow => ({
      brandId, clientId: client, userId, callId: `${tag}-${i}`, direction: 'outbound', ownerType: 'user', ownerId: userId, ownerName: null,
      party: '102', caller: '101', callee: '102', startedAt: new Date(),
    });
    const calls = [row(1, clientId, kept), row(2, clientId, leaving), row(3, otherClient, await newUser(otherClient, 'other'))];
    const keys = calls.map((r) => rec.open(r));
    // the operator removes a user and a client while their calls are up, before the recorder's next write
    await db.deleteFrom('users').where('id', '=', leaving).execute();
    await db.deleteFrom('clients').where('id', '=', otherClient).execute();
    await rec.flush();
    assert.deepEqual(errors, []);
    const active = await db.selectFrom('activeCalls').select(['callId', 'userId']).where('callId', 'like', `${tag}-%`).orderBy('callId').execute();
    assert.deepEqual(active, [{ callId: `${tag}-1`, userId: kept }, { callId: `${tag}-2`, userId: null }]);

    for (const k of keys) rec.close(k);
    rec.finished(calls.map((r) => ({ brandId, clientId: r.clientId, userId: r.userId, callId: r.callId, startTime: r.startedAt, duration: 5,
      caller: '101', callee: '102', direction: 'outbound' as const, disposition: 'answered' as const, endpointType: 'user' as const,
      endpointId: r.userId, endpointName: null })));
    await rec.flush();
    assert.deepEqual(errors, []);
    const registry = () => db.selectFrom('callRegistry').select(['callId', 'userId']).where('callId', 'like', `${tag}-%`).orderBy('callId').execute();
    assert.deepEqual(await registry(), [{ callId: `${tag}-1`, userId: kept }, { callId: `${tag}-2`, userId: null }]);
    assert.equal((await db.selectFrom('activeCalls').select('id').where('callId', 'like', `${tag}-%`).execute()).length, 0);

    // later deletes cascade as before: a user's records stay without the user, a client's records go with it
    await db.deleteFrom('users').where('id', '=', kept).execute();
    assert.deepEqual(await registry(), [{ callId: `${tag}-1`, userId: null }, { callId: `${tag}-2`, userId: null }]);
    const third = await newClient('third');
    const thirdUser = await newUser(third, 'third');
    rec.open(row(4, third, thirdUser));
    rec.finished([{ brandId, clientId: third, userId: thirdUser, callId: `${tag}-4`, startTime: new Date(), duration: 1, caller: '101', callee: '102',
      direction: 'outbound', disposition: 'answered', endpointType: 'user', endpointId: thirdUser, endpointName: null }]);
    await rec.flush();
    assert.equal((await registry()).length, 3);
    assert.equal((await db.selectFrom('activeCalls').select('id').where('callId', '=', `${tag}-4`).execute()).length, 1);
    await db.deleteFrom('clients').where('id', '=', third).execute();
    assert.deepEqual((await registry()).map((r) => r.callId), [`${tag}-1`, `${tag}-2`]);
    assert.equal((await db.selectFrom('activeCalls').select('id').where('callId', '=', `${tag}-4`).execute()).length, 0);
    await rec.shutdown();
  });
}, { fresh: 'suite' });
