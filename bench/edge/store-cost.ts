// CPU per statement of the call recorder's writes on the embedded store (PGlite runs on the calling thread, so
// this is CPU taken from signalling): Kysely-built multi-row statements (one parameter per column and row) against
// the JSON-parameter statements of src/app/calls/store-batch.ts, for batches of 1, 20 and 100 rows.
//
//   node --import tsx bench/edge/store-cost.ts [mem]      # default: a file-backed data directory, like `switchyard start`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../src/store/db.ts';
import { loadDemoData } from '../../src/store/demo.ts';
import { apiCreateRules } from '../../src/cli/first-start.ts';
import type { ActiveRow } from '../../src/app/calls/recorder.ts';
import { deleteActive, insertActive, updateActive } from '../../src/app/calls/store-batch.ts';

const dir = mkdtempSync(join(tmpdir(), 'sy-store-cost-'));
const store = await openStore({ dataDir: process.argv[2] === 'mem' ? 'memory://' : dir });
try {
  const d = await loadDemoData(store.db, { publicUrl: 'http://localhost' }, { ...apiCreateRules, hashPassword: async (p: string) => p });
  if (!d.ok || !d.created) throw new Error('demo data not loaded');
  const { brandId, clientId } = d.ids;
  const db = store.db;
  const time = async (label: string, n: number, f: () => Promise<unknown>) => {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await f();
    const c = process.cpuUsage(t0);
    console.log(`${label.padEnd(36)} ${((c.user + c.system) / n).toFixed(0).padStart(6)} µs CPU per statement`);
  };
  let k = 0;
  const rows = (m: number): ActiveRow[] => Array.from({ length: m }, () => ({
    brandId, clientId, userId: null, callId: `c${k++}`, direction: 'outbound', ownerType: 'user', ownerId: 1, ownerName: '101',
    party: '102', caller: '101', callee: '102', startedAt: new Date(),
  }));
  await time('select 1', 200, () => sql`select 1`.execute(db));
  for (const m of [1, 20, 100]) {
    const ids: number[][] = [];
    await time(`kysely insert ${m} rows returning`, 40, async () => {
      const r = await db.insertInto('activeCalls').values(rows(m).map((r) => ({ ...r, state: 'trying' as const, answeredAt: null, node: 'app' })))
        .returning(['id', 'callId', 'direction', 'ownerId']).execute();
      ids.push(r.map((x) => Number(x.id)));
    });
    let j = 0;
    await time(`kysely update ${m} rows (values join)`, 40, () => {
      const part = ids[j++]!;
      return sql`update active_calls as a set state = v.state, answered_at = v.answered_at from (values ${sql.join(part.map((id) => sql`(${id}::bigint, ${'confirmed'}::text, ${new Date()}::timestamptz)`))}) as v(id, state, answered_at) where a.id = v.id`.execute(db);
    });
    j = 0;
    await time(`kysely delete ${m} rows`, 40, () => db.deleteFrom('activeCalls').where('id', 'in', ids[j++]!).execute());
    const jids: number[][] = [];
    await time(`json insert ${m} rows returning`, 40, async () => {
      jids.push((await insertActive(db, rows(m).map((row) => ({ row, state: 'trying', answeredAt: null, node: 'app' })))).map((x) => x.id));
    });
    j = 0;
    await time(`json update ${m} rows`, 40, () => updateActive(db, jids[j++]!.map((id) => ({ id, state: 'confirmed', answeredAt: new Date() }))));
    j = 0;
    await time(`array delete ${m} rows`, 40, () => deleteActive(db, jids[j++]!));
  }
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
