// CSV rate imports through the API and the background worker (seed-part1 §2.23): progress and status on the job,
// one transaction (a malformed file changes nothing and reports each error with its line), re-import semantics
// (update, keep, add), unknown prefixes create destinations, download of the last imported file, and queued jobs
// surviving a restart (a new worker picks them up).
import { it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachBackend } from '../support/stores.ts';
import { expectProblem, injectAs, ok } from '../support/api.ts';
import { RateImportWorker } from '../../src/jobs/rate-import/worker.ts';
import { buildBillingApi, post, seedWorld, type World } from '../billing/support.ts';

const FIRST = 'Spain,+34,0.03,0.01,1\n"Madrid, fixed",+3491,0.02,0,60\nFrance,+33,0.05,0,1\n';
const SECOND = 'Spain,+34,0.04,0.01,1\nGermany,+49,0.06,0,1\nFrance,+33,0.05,0,1\n';

forEachBackend('billing API: rate imports', (b) => {
  let app: FastifyInstance;
  let w: World;
  let worker: RateImportWorker;
  let dr: number;
  beforeEach(async () => {
    app = await buildBillingApi(b.store);
    w = await seedWorld(app, b.store);
    worker = new RateImportWorker({ db: b.store.db, name: 'test-worker' });
    dr = (await post(app, w.brandTokenA, '/api/brand/destination-rates', { name: 'Imported' })).id;
  });
  afterEach(async () => {
    await worker.stop();
    await app.close();
  });

  const rates = async () => {
    const list = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/rates?destinationRateId=${dr}&pageSize=100`));
    const dests = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/destinations?pageSize=100'));
    const prefix = new Map(dests.items.map((d: { id: number; prefix: string }) => [d.id, d.prefix]));
    return list.items
      .map((r: { destinationId: number; perMinuteRate: string; connectionCharge: string; chargePeriod: number }) => `${String(prefix.get(r.destinationId))} ${r.perMinuteRate} ${r.connectionCharge} ${r.chargePeriod}`)
      .sort();
  };
  const importFile = async (file: string, extra: Record<string, unknown> = {}) => {
    const res = await injectAs(app, w.brandTokenA, 'POST', `/api/brand/destination-rates/${dr}/imports`, { file, fileName: 'rates.csv', ...extra });
    const job = ok(res, 202);
    assert.equal(job.status, 'queued');
    assert.equal(res.headers.location, `/api/brand/rate-imports/${job.id}`);
    await worker.runOnce();
    return ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/rate-imports/${job.id}`));
  };

  it('imports, re-imports with update/keep/add, creates destinations and serves the last file', async () => {
    const one = await importFile(FIRST);
    assert.equal(one.status, 'done', JSON.stringify(one));
    assert.equal(one.progress, 3);
    assert.equal(one.totalLines, 3);
    assert.deepEqual(one.result, { added: 3, updated: 0, unchanged: 0, kept: 0, destinationsCreated: 3 });
    const names = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/destinations?prefix=%2B3491'));
    assert.equal(names.items[0].name, 'Madrid, fixed');
    const two = await importFile(SECOND);
    assert.deepEqual(two.result, { added: 1, updated: 1, unchanged: 1, kept: 1, destinationsCreated: 1 });
    assert.deepEqual(await rates(), ['+33 0.0500 0.0000 1', '+34 0.0400 0.0100 1', '+3491 0.0200 0.0000 60', '+49 0.0600 0.0000 1']);
    // Importing the same file again changes nothing.
    const again = await importFile(SECOND);
    assert.deepEqual(again.result, { added: 0, updated: 0, unchanged: 3, kept: 1, destinationsCreated: 0 });
    const file = await app.inject({ method: 'GET', url: `/api/brand/destination-rates/${dr}/imported-file`, headers: { authorization: `Bearer ${w.brandTokenA}` } });
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers['content-type']), /^text\/csv/);
    assert.equal(file.body, SECOND, 'the last imported file, not the merged state');
  });

  it('accepts a raw text/csv upload with a column mapping and a header line', async () => {
    const csv = 'prefix;ignored,name,connection,perMinute,period\n+34,x,Spain,0.01,0.03,1\n';
    const res = await app.inject({
      method: 'POST', url: `/api/brand/destination-rates/${dr}/imports?skipFirstLine=true&columns=prefix,-,name,connectionCharge,perMinuteRate,chargePeriod`,
      headers: { authorization: `Bearer ${w.brandTokenA}`, 'content-type': 'text/csv' }, payload: csv,
    });
    assert.equal(res.statusCode, 202, res.body);
    await worker.runOnce();
    const job = ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/rate-imports/${JSON.parse(res.body).id}`));
    assert.equal(job.status, 'done', JSON.stringify(job.errors));
    assert.deepEqual(await rates(), ['+34 0.0300 0.0100 1']);
  });

  it('fails malformed files with line numbers and leaves the rates unchanged', async () => {
    assert.equal((await importFile(FIRST)).status, 'done');
    const before = await rates();
    const destsBefore = ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/destinations')).total;
    const cases: Array<[string, string, number]> = [
      ["'Spain',+34,0.03,0,1\n", 'single_quote', 1],
      ['Spain,+34,0.03,0,1\n"Open,+35,0.03,0,1\n', 'unterminated_quote', 2],
      ['"Spain"x,+34,0.03,0,1\n', 'text_after_quote', 1],
      ['Spa"in,+34,0.03,0,1\n', 'stray_quote', 1],
      ['Spain;+34;0.03;0;1\n', 'missing_column', 1],
      [',+34,0.03,0,1\n', 'missing_name', 1],
      ['Spain,34,0.03,0,1\n', 'prefix_without_plus', 1],
      ['Spain,+3a4,0.03,0,1\n', 'invalid_prefix', 1],
      ['Spain,+34,0.03,0,1\nNew,+99,0.01,0,1\nAgain,+34,0.02,0,1\n', 'duplicate_prefix', 3],
      ['Spain,+34,0,03,0,1\n', 'invalid_charge_period', 1],
      ['Spain,+34,0.03x,0,1\n', 'invalid_decimal', 1],
      ['Spain,+34,0.03001,0,1\n', 'too_many_decimals', 1],
      ['Spain,+34,-0.03,0,1\n', 'negative_amount', 1],
      ['Spain,+34,0.03,0,0\n', 'invalid_charge_period', 1],
      ['Spain,+34,0.03,0,1.5\n', 'invalid_charge_period', 1],
      ['\n\n', 'no_rows', 0],
    ];
    for (const [file, code, line] of cases) {
      const job = await importFile(file);
      assert.equal(job.status, 'failed', `${code}: ${JSON.stringify(job)}`);
      assert.ok(job.errorCount >= 1);
      const e = job.errors.find((x: { code: string }) => x.code === code);
      assert.ok(e, `${code} expected in ${JSON.stringify(job.errors)}`);
      if (line > 0) assert.equal(e.line, line, `${code} line`);
      assert.match(e.message, /\S/);
    }
    const interval = await importFile('Spain,+34,0.03,0,1,x\n', { columns: { name: 0, prefix: 1, perMinuteRate: 2, connectionCharge: 3, chargePeriod: 4, intervalStart: 5 } });
    assert.equal(interval.errors[0].code, 'invalid_interval_start');
    assert.deepEqual(await rates(), before, 'rates unchanged');
    assert.equal(ok(await injectAs(app, w.brandTokenA, 'GET', '/api/brand/destinations')).total, destsBefore, 'no destination created');
    expectProblem(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/destination-rates/${dr}/imports`, { file: '' }), 400, 'VALIDATION_FAILED', '/file');
  });

  it('queued jobs survive a restart: a new worker picks them up, a dead worker\'s job is re-queued', async () => {
    const job = ok(await injectAs(app, w.brandTokenA, 'POST', `/api/brand/destination-rates/${dr}/imports`, { file: FIRST }), 202);
    // A worker that claimed the job and died: its heartbeat is old.
    await b.store.db.updateTable('rateImports').set({ status: 'running', worker: 'dead', heartbeatAt: new Date(Date.now() - 3_600_000) }).where('id', '=', job.id).execute();
    const fresh = new RateImportWorker({ db: b.store.db, staleMs: 60_000 });
    try {
      assert.equal(await fresh.runOnce(), 1);
    } finally {
      await fresh.stop();
    }
    assert.equal(ok(await injectAs(app, w.brandTokenA, 'GET', `/api/brand/rate-imports/${job.id}`)).status, 'done');
    assert.equal((await rates()).length, 3);
  });

  it('brand B cannot import into, download from or read the imports of brand A', async () => {
    const job = await importFile(FIRST);
    expectProblem(await injectAs(app, w.brandTokenB, 'POST', `/api/brand/destination-rates/${dr}/imports`, { file: FIRST }), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.brandTokenB, 'GET', `/api/brand/destination-rates/${dr}/imported-file`), 404, 'NOT_FOUND');
    expectProblem(await injectAs(app, w.brandTokenB, 'GET', `/api/brand/rate-imports/${job.id}`), 404, 'NOT_FOUND');
    assert.equal(ok(await injectAs(app, w.brandTokenB, 'GET', '/api/brand/rate-imports')).total, 0);
  });
});
