// API list benchmark (issue 3 Must-show): 10 000 clients of one brand (plus 1 000 of another, so the tenant
// filter matters), bulk-inserted through the store. Measures the brand admin's
//   GET /api/brand/clients?name[like]=<term>&order=name&page=N&pageSize=50
// (a filter, ordered, paginated, authenticated; N cycles over every page of the result) three ways, each for
// SECONDS (interleaved in 250 ms slices, so drifting background load hits all three alike) with CONCURRENCY
// requests in flight:
//   inject  — Fastify `app.inject()` (no socket)
//   http    — real HTTP on 127.0.0.1 with a keep-alive agent
//   driver  — the same two statements the API runs for a list (count + page) straight through Kysely on the same
//             store, in the same process: the floor the API adds its work to (JWT check, session lookup, query
//             parsing, afterRead hooks such as the clients' routing-tag ids, JSON serialisation).
// on PGlite (in memory) and on a throwaway PostgreSQL 15 (test/support/postgres.ts). Prints a table: ops/s,
// p50/p99 latency, and API/driver ratios (throughput and p99).
//
//   node --import tsx bench/api.ts [--seconds 5] [--backend pglite|postgres|both] [--concurrency 1] [--explain]
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../src/store/db.ts';
import type { Database } from '../src/store/schema/index.ts';
import { buildApiServer } from '../src/api/server.ts';
import { hashPassword } from '../src/api/auth/passwords.ts';
import { createDatabase, startPostgres, type PostgresCluster } from '../test/support/postgres.ts';

// ---- options ------------------------------------------------------------------------------------------------

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : def;
}
const SECONDS = Number(arg('seconds', '5'));
const CONCURRENCY = Number(arg('concurrency', '1'));
const BACKENDS = arg('backend', 'both') === 'both' ? (['pglite', 'postgres'] as const) : ([arg('backend', 'both')] as const);
const EXPLAIN = process.argv.includes('--explain');
const CLIENTS = 10_000;
const OTHER_BRAND_CLIENTS = 1_000;
const PAGE_SIZE = 50;
const TERM = 'tel'; // matches the "Telecom"/"Hotel"/"Intel" names: 3 of 10 name stems (~30 % of rows)
const SECRET = 'bench-secret-0123456789abcdef';

// ---- seeding ------------------------------------------------------------------------------------------------

const STEMS = ['Acme', 'Telecom', 'Globex', 'Hotel', 'Initech', 'Umbrella', 'Intel', 'Hooli', 'Vandelay', 'Stark'];
const SUFFIXES = ['Ltd', 'SL', 'GmbH', 'Inc', 'SA', 'BV', 'Oy', 'AB'];

// Deterministic PRNG (mulberry32): the same names every run.
let prng = 0x5eed;
function rnd(): number {
  prng = (prng + 0x6d2b79f5) | 0;
  let t = Math.imul(prng ^ (prng >>> 15), 1 | prng);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

interface Seeded {
  brandId: number;
  token: string;
}

async function seedClients(db: Kysely<Database>, app: FastifyInstance): Promise<Seeded> {
  const lang = await db.selectFrom('languages').select('id').where('code', '=', 'en').executeTakeFirstOrThrow();
  const tz = await db.selectFrom('timezones').select('id').where('name', '=', 'Europe/Madrid').executeTakeFirstOrThrow();
  const cur = await db.selectFrom('currencies').select('id').where('code', '=', 'EUR').executeTakeFirstOrThrow();
  const locale = { languageId: lang.id, defaultTimezoneId: tz.id, currencyId: cur.id };
  const features = ['vpbx', 'retail', 'residential', 'wholesale'];
  const [a, b] = await db
    .insertInto('brands')
    .values([{ name: 'Bench A', features, ...locale }, { name: 'Bench B', features, ...locale }])
    .returning('id')
    .execute();
  if (!a || !b) throw new Error('brands not created');
  const types = ['vpbx', 'residential', 'retail', 'wholesale'] as const;
  for (const [brandId, n] of [[a.id, CLIENTS], [b.id, OTHER_BRAND_CLIENTS]] as const) {
    for (let start = 0; start < n; start += 1000) {
      const rows: Array<{ brandId: number; type: (typeof types)[number]; name: string; languageId: number; defaultTimezoneId: number; currencyId: number }> = [];
      for (let i = start; i < Math.min(n, start + 1000); i++) {
        rows.push({ brandId, type: types[i % 4] ?? 'vpbx', name: `${pick(STEMS)} ${pick(SUFFIXES)} ${String(i).padStart(5, '0')}`, ...locale });
      }
      await db.insertInto('clients').values(rows).execute();
    }
  }
  await db
    .insertInto('administrators')
    .values({ level: 'brand', brandId: a.id, username: 'bench', passwordHash: await hashPassword('bench-password', { N: 1024, r: 8, p: 1 }) })
    .execute();
  await sql`analyze`.execute(db);
  const r = await app.inject({ method: 'POST', url: '/api/brand/auth/login', payload: { username: 'bench', password: 'bench-password', brandId: a.id } });
  if (r.statusCode !== 200) throw new Error(`login failed: ${r.body}`);
  return { brandId: a.id, token: (JSON.parse(r.body) as { token: string }).token };
}

// ---- measuring ----------------------------------------------------------------------------------------------

interface Result {
  ops: number;
  seconds: number;
  p50: number;
  p99: number;
}

type Op = (i: number) => Promise<void>;

/**
 * Runs every op for `seconds` in total, interleaved in slices of SLICE_MS (op A, op B, op C, A, B, C, …) so that
 * each sees the same background load: on a shared 2-core machine the load drifts within seconds, and the ratios
 * between the ops are what this benchmark reports. CONCURRENCY loops per op; each latency is recorded.
 */
const SLICE_MS = 250;
async function measureInterleaved(ops: readonly Op[], seconds: number): Promise<Result[]> {
  let i = 0;
  for (const op of ops) {
    const warmEnd = performance.now() + 300;
    while (performance.now() < warmEnd) await op(i++);
  }
  const lat: number[][] = ops.map(() => []);
  const busy: number[] = ops.map(() => 0);
  const rounds = Math.max(1, Math.round((seconds * 1000) / SLICE_MS));
  for (let round = 0; round < rounds; round++) {
    for (const [k, op] of ops.entries()) {
      const t0 = performance.now();
      const end = t0 + SLICE_MS;
      const loop = async (): Promise<void> => {
        while (performance.now() < end) {
          const s = performance.now();
          await op(i++);
          lat[k]!.push(performance.now() - s);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
      busy[k]! += performance.now() - t0;
    }
  }
  return lat.map((l, k) => {
    l.sort((x, y) => x - y);
    const q = (p: number) => l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN;
    return { ops: l.length, seconds: busy[k]! / 1000, p50: q(0.5), p99: q(0.99) };
  });
}

function httpGet(agent: http.Agent, port: number, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The list statements the API runs, straight through Kysely: count, then one ordered page. */
function driverList(db: Kysely<Database>, brandId: number) {
  const base = () =>
    db.selectFrom('clients').where('clients.brandId', '=', brandId).where(sql`${sql.ref('clients.name')}::text`, 'ilike', `%${TERM}%`);
  return {
    async run(page: number): Promise<{ total: number; ids: number[] }> {
      const c = await base().select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
      const rows = await base().selectAll('clients').orderBy('clients.name').orderBy('clients.id').limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).execute();
      return { total: Number(c.total), ids: rows.map((r) => r.id) };
    },
    explain: () => base().selectAll('clients').orderBy('clients.name').orderBy('clients.id').limit(PAGE_SIZE).offset(PAGE_SIZE * 10).explain('json', sql`analyze`),
  };
}

interface Row {
  backend: string;
  path: string;
  r: Result;
}

async function benchBackend(kind: 'pglite' | 'postgres'): Promise<Row[]> {
  let cluster: PostgresCluster | null = null;
  let store: Store | undefined;
  let app: FastifyInstance | undefined;
  let agent: http.Agent | undefined;
  try {
    if (kind === 'postgres') {
      cluster = await startPostgres();
      if (!cluster) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/15/bin)');
      store = await openStore({ databaseUrl: await createDatabase(cluster.url) });
    } else {
      store = await openStore({ dataDir: 'memory://' });
    }
    app = await buildApiServer({ store, config: { jwtSecret: SECRET, passwordHashCost: { N: 1024, r: 8, p: 1 } } });
    const t0 = performance.now();
    const { brandId, token } = await seedClients(store.db, app);
    const seedMs = performance.now() - t0;
    const driver = driverList(store.db, brandId);
    const { total } = await driver.run(1);
    const pages = Math.ceil(total / PAGE_SIZE);
    const url = (i: number) => `/api/brand/clients?name[like]=${TERM}&order=name&page=${1 + (i % pages)}&pageSize=${PAGE_SIZE}`;
    console.error(`[${kind}] seeded ${CLIENTS + OTHER_BRAND_CLIENTS} clients in ${(seedMs / 1000).toFixed(1)} s; filter matches ${total} rows (${pages} pages)`);

    // The API and the driver must return the same page: otherwise the comparison means nothing.
    for (const page of [1, pages]) {
      const r = await app.inject({ method: 'GET', url: url(page - 1), headers: { authorization: `Bearer ${token}` } });
      const body = JSON.parse(r.body) as { total: number; items: Array<{ id: number }> };
      const d = await driver.run(page);
      if (r.statusCode !== 200 || body.total !== d.total || body.items.map((x) => x.id).join() !== d.ids.join()) {
        throw new Error(`API and driver disagree on page ${page}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
    }
    if (EXPLAIN) console.error(JSON.stringify(await driver.explain(), null, 1));

    const headers = { authorization: `Bearer ${token}` };
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const named: Array<[string, Op]> = [
      ['driver (Kysely)', async (i) => { await driver.run(1 + (i % pages)); }],
      ['API inject', async (i) => {
        const res = await app!.inject({ method: 'GET', url: url(i), headers });
        if (res.statusCode !== 200) throw new Error(`inject ${res.statusCode}: ${res.body}`);
      }],
      ['API http keep-alive', async (i) => {
        const res = await httpGet(agent!, port, url(i), token);
        if (res.status !== 200) throw new Error(`http ${res.status}: ${res.body}`);
      }],
    ];
    const results = await measureInterleaved(named.map(([, op]) => op), SECONDS);
    const rows: Row[] = named.map(([path], k) => ({ backend: kind, path, r: results[k]! }));
    return rows;
  } finally {
    agent?.destroy();
    await app?.close();
    await store?.close();
    await cluster?.stop();
  }
}

function printTable(rows: Row[]): void {
  const out: string[][] = [['backend', 'path', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'rate API/driver', 'p99 API/driver']];
  for (const row of rows) {
    const d = rows.find((x) => x.backend === row.backend && x.path.startsWith('driver'))?.r;
    const rate = row.r.ops / row.r.seconds;
    const isApi = !row.path.startsWith('driver') && d !== undefined;
    out.push([
      row.backend, row.path, String(row.r.ops), rate.toFixed(0), row.r.p50.toFixed(2), row.r.p99.toFixed(2),
      isApi ? (rate / (d.ops / d.seconds)).toFixed(2) : '', isApi ? (row.r.p99 / d.p99).toFixed(2) : '',
    ]);
  }
  const widths = out[0]!.map((_, c) => Math.max(...out.map((r) => r[c]!.length)));
  for (const r of out) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

const all: Row[] = [];
for (const kind of BACKENDS) all.push(...(await benchBackend(kind as 'pglite' | 'postgres')));
console.log(`\nGET /api/brand/clients?name[like]=${TERM}&order=name&page=N&pageSize=${PAGE_SIZE} — ${CLIENTS} clients in the brand, ` +
  `${SECONDS} s per row (interleaved), concurrency ${CONCURRENCY}, node ${process.version}`);
printTable(all);
