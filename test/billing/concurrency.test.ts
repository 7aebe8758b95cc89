// Prepaid reservations under concurrency (issue 5 "must show"): 50 simultaneous calls on a balance worth about
// one minute. Each call reserves its first period at answer, then one more period at a time until refused, and
// hangs up at the end of what it covered. Whatever the interleaving, the total spent exceeds the balance by at
// most one charge period of one call, and no reservation is left behind. On PostgreSQL the calls run over a
// pool of connections, so the conditional UPDATEs really race.
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { injectAs, ok } from '../support/api.ts';
import { CatalogCache } from '../../src/billing/catalog-cache.ts';
import { LiveBilling } from '../../src/billing/live-billing.ts';
import { buildBillingApi, seedWorld, setBillingMethod, setupRating, type World } from './support.ts';

forEachBackend('prepaid concurrency', (b) => {
  let app: FastifyInstance;
  let w: World;
  let catalogs: CatalogCache;
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
    catalogs = new CatalogCache(b.store.db);
  });
  afterEach(async () => {
    catalogs.stop();
    await app.close();
  });

  it('50 simultaneous prepaid calls on a one-minute balance overspend by at most one charge period', async () => {
    // 0.03/min per second: one period = 0.0005 reserved (rounded up), the balance 0.0300 pays 60 s.
    await setupRating(app, w.brandTokenA, w.clientA, { perMinute: '0.03', period: 1 });
    await setBillingMethod(b.store.db, w.clientA, 'prepaid');
    ok(await injectAs(app, w.brandTokenA, 'POST', '/api/brand/balance-operations', { clientId: w.clientA, operation: 'increase', amount: '0.03' }), 201);
    const live = new LiveBilling({ db: b.store.db, catalogs });
    const balance = 300;
    const onePeriod = 5;

    const calls = Array.from({ length: 50 }, (_, i) => `call-${i}`);
    const outcomes = await Promise.all(calls.map(async (callId) => {
      const auth = await live.authorise({ callId, clientId: w.clientA, number: '+34911234567' });
      if (!auth.ok) return { callId, answered: false, charge: 0 };
      const ans = await live.answer(callId);
      if (!ans.ok) return { callId, answered: false, charge: 0 };
      let covered = ans.coveredSeconds ?? 0;
      for (;;) {
        const e = await live.extend(callId);
        if (!e.ok) break;
        covered = e.coveredSeconds;
      }
      const h = await live.hangup(callId, covered * 1000);
      return { callId, answered: true, charge: h.charge ?? 0 };
    }));

    const row = await b.store.db.selectFrom('balances').select(['amount', 'reserved']).where('clientId', '=', w.clientA).executeTakeFirstOrThrow();
    const spent = balance - Number(row.amount);
    const charged = outcomes.reduce((s, o) => s + o.charge, 0);
    assert.equal(spent, charged, 'the balance moved by exactly the committed charges');
    assert.ok(spent >= balance, `the balance was used up (spent ${spent})`);
    assert.ok(spent <= balance + onePeriod, `spent ${spent} > balance ${balance} + one period ${onePeriod}`);
    assert.equal(Number(row.reserved), 0, 'no reservation left');
    assert.ok(outcomes.filter((o) => o.answered).length >= 2, 'several calls ran concurrently');
    // The ledger: one movement per answered call, each balance_after consistent with the running sum.
    const moves = await b.store.db.selectFrom('balanceMovements').select(['amount', 'balanceAfter', 'kind']).where('clientId', '=', w.clientA).orderBy('id').execute();
    let running = 0;
    for (const m of moves) {
      running += Number(m.amount);
      assert.equal(Number(m.balanceAfter), running);
    }
    assert.equal(moves.filter((m) => m.kind === 'call').length, outcomes.filter((o) => o.answered).length);
    // At zero (or below) no new call is authorised.
    const refused = await live.authorise({ callId: 'late', clientId: w.clientA, number: '+34911234567' });
    assert.deepEqual(refused.ok ? 'granted' : refused.code, 'no_balance');
  });
});
