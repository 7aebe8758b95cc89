// The call recorder against a real (PGlite) store: writes leave the signalling path and coalesce; rows vanish when
// calls end; registry rows are appended; shutdown removes rows of calls still up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/db.ts';
import { loadDemoData } from '../../src/store/demo.ts';
import { apiCreateRules } from '../../src/cli/first-start.ts';
import { CallRecorder, type ActiveRow } from '../../src/app/calls/recorder.ts';
import { openPgliteTestStore } from '../support/stores.ts';
import { cheapHash } from '../support/api.ts';

describe('CallRecorder', () => {
  let store: Store;
  let brandId = 0;
  let clientId = 0;
  before(async () => {
    store = await openPgliteTestStore();
    const d = await loadDemoData(store.db, { publicUrl: 'http://localhost' }, { ...apiCreateRules, hashPassword: cheapHash });
    assert.ok(d.ok && d.created);
    brandId = d.ids.brandId;
    clientId = d.ids.clientId;
  });
  after(async () => {
    await store?.close();
  });

  const row = (callId: string, direction: 'inbound' | 'outbound'): ActiveRow => ({
    brandId, clientId, userId: null, callId, direction, ownerType: 'user', ownerId: null, ownerName: direction === 'outbound' ? '101' : '102',
    party: direction === 'outbound' ? '102' : '101', caller: '101', callee: '102', startedAt: new Date(),
  });
  const rows = (callId: string) => store.db.selectFrom('activeCalls').selectAll().where('callId', '=', callId).execute();

  it('coalesces: Call Setup → Ringing → In call before the writer ran is one row "confirmed"; never backwards', async () => {
    const rec = new CallRecorder(store.db, { node: 'test' });
    const id = randomBytes(4).toString('hex');
    const k = rec.open(row(id, 'outbound'));
    rec.state(k, 'early');
    const answered = new Date();
    rec.state(k, 'confirmed', answered);
    rec.state(k, 'early');
    await rec.flush();
    const r = await rows(id);
    assert.equal(r.length, 1);
    assert.equal(r[0]!.state, 'confirmed');
    assert.equal(r[0]!.node, 'test');
    assert.equal(r[0]!.answeredAt?.getTime(), answered.getTime());
    rec.close(k);
    await rec.flush();
    assert.equal((await rows(id)).length, 0);
  });

  it('a call that ended before the writer ran is never inserted; registry rows are appended', async () => {
    const rec = new CallRecorder(store.db);
    const id = randomBytes(4).toString('hex');
    const a = rec.open(row(id, 'outbound'));
    const b = rec.open(row(id, 'inbound'));
    rec.close(a);
    rec.close(b);
    rec.finished([{ brandId, clientId, userId: null, callId: id, startTime: new Date(), duration: 0, caller: '101', callee: '102', direction: 'outbound', disposition: 'cancelled', endpointType: null, endpointId: null, endpointName: null }]);
    await rec.flush();
    assert.equal((await rows(id)).length, 0);
    const reg = await store.db.selectFrom('callRegistry').selectAll().where('callId', '=', id).execute();
    assert.deepEqual(reg.map((x) => x.disposition), ['cancelled']);
  });

  it('shutdown removes the rows of calls still up', async () => {
    const rec = new CallRecorder(store.db);
    const id = randomBytes(4).toString('hex');
    rec.open(row(id, 'outbound'));
    await rec.flush();
    assert.equal((await rows(id)).length, 1);
    await rec.shutdown();
    assert.equal((await rows(id)).length, 0);
  });
});
