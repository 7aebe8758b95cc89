// What one API write to a user costs the SIP directory of every node, with many users: a full reload (every brand,
// client, extension, user and terminal) against the incremental reload the change log allows (the changed user and
// its terminal; src/store/directory/load.ts). The store is embedded PGlite on its own thread, as `switchyard start`
// runs it. Reported per reload: wall time, the longest event-loop stall of this (the signalling) thread while it
// ran, and CPU of the whole process (every thread); then the ratios full / incremental.
//
//   node --import tsx bench/store/directory-reload.ts [--users 20000] [--rounds 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openStore } from '../../src/store/db.ts';
import { loadDemoData } from '../../src/store/demo.ts';
import { apiCreateRules } from '../../src/cli/first-start.ts';
import { Directory, bumpDirectoryVersion, readDirectoryVersion } from '../../src/store/directory/index.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const USERS = arg('users', 20000);
const ROUNDS = arg('rounds', 20);

const dir = mkdtempSync(join(tmpdir(), 'sy-dir-reload-'));
const store = await openStore({ dataDir: dir, pgliteThread: true });
try {
  const d = await loadDemoData(store.db, { publicUrl: 'http://localhost' }, { ...apiCreateRules, hashPassword: async (p: string) => p });
  if (!d.ok || !d.created) throw new Error('demo data not loaded');
  const { brandId, clientId } = d.ids;
  const { domain } = await store.db.selectFrom('clients').select('domain').where('id', '=', clientId).executeTakeFirstOrThrow();
  // one terminal, user and screen extension per user, like a provisioned vPBX (HA1 values need not verify here)
  await sql`
    insert into terminals (client_id, brand_id, name, password_enc, ha1_md5, ha1_sha256, ha1_realm)
    select ${clientId}, ${brandId}, 'b' || i, 'x', md5(i::text), md5(i::text) || md5(i::text), ${domain}
    from generate_series(1, ${USERS}) i`.execute(store.db);
  await sql`
    insert into extensions (client_id, number) select ${clientId}, (100000 + i)::text from generate_series(1, ${USERS}) i`.execute(store.db);
  await sql`
    insert into users (client_id, name, lastname, email, terminal_id, screen_extension_id)
    select ${clientId}, 'User', 'B' || i, 'b' || i || '@bench.example', t.id, e.id
    from generate_series(1, ${USERS}) i
    join terminals t on t.name = 'b' || i and t.client_id = ${clientId}
    join extensions e on e.number = (100000 + i)::text and e.client_id = ${clientId}`.execute(store.db);
  const sample = await store.db.selectFrom('users').select('id').where('email', '=', 'b1@bench.example').executeTakeFirstOrThrow();

  const directory = await Directory.open(store.db, { pollIntervalMs: 0 });
  const measure = async (label: string, change: (i: number) => Promise<void>) => {
    const walls: number[] = [];
    const stalls: number[] = [];
    let cpu = 0;
    for (let i = 0; i < ROUNDS; i++) {
      await change(i);
      const target = await readDirectoryVersion(store.db);
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await directory.waitForVersion(target);
      walls.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      h.disable();
      cpu += (c.user + c.system) / 1000;
      stalls.push(h.max / 1e6);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const r = { wall: median(walls), stall: median(stalls), cpu: cpu / ROUNDS };
    console.log(`${label.padEnd(34)} wall ${r.wall.toFixed(1).padStart(7)} ms   longest stall ${r.stall.toFixed(1).padStart(6)} ms   CPU ${r.cpu.toFixed(1).padStart(7)} ms`);
    return r;
  };
  console.log(`${USERS} users with terminals and screen extensions, PGlite on its own thread, medians of ${ROUNDS}`);
  const write = (kind: 'user' | 'all') => async (i: number) => {
    await store.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ doNotDisturb: i % 2 === 0 }).where('id', '=', sample.id).execute();
      await bumpDirectoryVersion(trx, kind === 'user' ? { kind: 'user', id: sample.id } : { kind: 'all' });
    });
  };
  const full = await measure('full reload (change logged as all)', write('all'));
  const delta = await measure('incremental (one user changed)', write('user'));
  if (directory.deltaCount < ROUNDS) throw new Error(`only ${directory.deltaCount} of ${ROUNDS} reloads were incremental`);
  console.log(`ratio full / incremental: wall ${(full.wall / delta.wall).toFixed(0)}×, stall ${(full.stall / delta.stall).toFixed(0)}×, CPU ${(full.cpu / delta.cpu).toFixed(0)}×`);
  await directory.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
