// The systems under test for bench/edge/run.ts. Switchyard: `switchyard start` as child processes the README
// way (test/e2e/support/process.ts) with a temp DATA_DIR and free ports, provisioned through the REST API
// (platform admin → exchange for DemoCompany → terminals, users, extensions); either one process on PGlite
// (`single`) or an edge process and an app process on a throwaway PostgreSQL + Redis (`split`). Kamailio: registrar + proxy
// (kamailio.cfg) with its own pid/ctl paths. Each `stop()` ends only the process it started.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSwitchyard, type PlatformProcess } from '../../test/e2e/support/process.ts';
import { freePort, waitListening } from '../../test/sip/interop/sipp.ts';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDatabase, postgresUnavailable, startPostgres } from '../../test/support/postgres.ts';
import { startRedis } from '../../test/support/redis.ts';
import { reservePortRange } from '../../test/media/support/phone.ts';
import { childrenOf, cpuDeltaNs, cpuSnapshot, processesMatching, pssBytes, rssBytes, sleep, waitExit } from '../support/proc.ts';
import { heapAfterGc, startCpuProfile } from './inspector.ts';

const HERE = new URL('.', import.meta.url).pathname;
const HOST = '127.0.0.1';

export interface System {
  name: 'kamailio' | 'switchyard';
  /** what the tables show: kamailio, sy-single, sy-split */
  label: string;
  port: number;
  /** UDP ports whose socket drops are counted (the users port; Switchyard also its internal app/edge listeners) */
  dropPorts: number[];
  pids(): number[];
  /** the processes grouped by role (sy-split: edge, app, postgres, redis), for the per-process CPU split of a step */
  parts?(): Array<{ part: string; pids: number[] }>;
  /** bytes that hold registrations and calls: Switchyard JS heap + external after a full GC; Kamailio shm in use */
  memory(): Promise<number>;
  /** resident bytes: Switchyard RSS; Kamailio PSS summed over main + workers (its shm is mapped by each) */
  resident(): number;
  /** starts a CPU profile of the system (Switchyard, through the inspector); the result stops it and returns it */
  cpuProfile?(): Promise<() => Promise<ProfilePart[]>>;
  /** calls the system still has in progress (Switchyard: DemoCompany's active-call rows, through the API) */
  callsInProgress?(): Promise<number>;
  stop(): Promise<void>;
}

export interface BenchUsers {
  /** terminals that REGISTER under load (all with `password`) */
  names: string[];
  password: string;
  caller: string;
  callee: string;
  /** what the caller dials to reach the callee on Switchyard (its extension) */
  calleeExtension: string;
}

// --- Kamailio ---------------------------------------------------------------------------------------------

function kamcmd(dir: string, cmd: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('kamcmd', ['-s', `unix:${dir}/kamailio_ctl`, cmd], { timeout: 5000 }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

export async function startKamailio(dir: string, children: number, password: string): Promise<System> {
  const port = await freePort(HOST);
  const cfg = readFileSync(join(HERE, 'kamailio.cfg'), 'latin1')
    .replaceAll('@WORKDIR@', dir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@CHILDREN@', String(children))
    .replaceAll('@PASSWORD@', password);
  const cfgPath = join(dir, 'kamailio.cfg');
  writeFileSync(cfgPath, cfg);
  const child = spawn('kamailio', ['-f', cfgPath, '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-E', '-DD', '-m', '1024', '-x', 'tlsf', '-b', '4194304'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.once('error', (e) => (log += `\nspawn kamailio: ${e.message}`));
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await waitListening(port, 'udp', 15_000).catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${log}`);
  });
  await sleep(300); // workers finish forking after the bind
  return {
    name: 'kamailio',
    label: 'kamailio',
    port,
    dropPorts: [port],
    pids: () => [child.pid!, ...childrenOf(child.pid!)],
    memory: async () => Number(/used:\s*(\d+)/.exec(await kamcmd(dir, 'core.shmmem'))?.[1] ?? NaN),
    resident: () => pssBytes([child.pid!, ...childrenOf(child.pid!)]),
    stop: async () => {
      child.kill('SIGTERM'); // the main process stops every worker
      await waitExit(child, 5000);
      writeFileSync(join(dir, 'kamailio.log'), log);
    },
  };
}

// --- Switchyard -------------------------------------------------------------------------------------------

async function api(base: string, token: string | null, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Runs `fn` over `items` with at most `width` in flight. */
async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** Terminal + user + extension for each name, in DemoCompany, as a client-level token (returned). */
async function provision(base: string, users: BenchUsers): Promise<string> {
  const admin = (await api(base, null, 'POST', '/api/platform/auth/login', { username: 'admin', password: 'changeme' })).token as string;
  const clients = (await api(base, admin, 'GET', '/api/platform/clients?pageSize=100')).items as Array<{ id: number; name: string }>;
  const client = clients.find((c) => c.name === 'DemoCompany');
  if (!client) throw new Error('demo client DemoCompany not found');
  const token = (await api(base, admin, 'POST', '/api/client/auth/exchange', { clientId: client.id })).token as string;
  const all = [...users.names.map((n, i) => ({ n, ext: String(10_000 + i) })), { n: users.caller, ext: '8001' }, { n: users.callee, ext: users.calleeExtension }];
  await pool(all, 8, async ({ n, ext }) => {
    const terminalId = (await api(base, token, 'POST', '/api/client/terminals', { name: n, password: users.password })).id as number;
    const userId = (await api(base, token, 'POST', '/api/client/users', { name: `Bench ${n}`, email: `${n}@bench.example`, terminalId })).id as number;
    const extId = (await api(base, token, 'POST', '/api/client/extensions', { number: ext, routeType: 'user', userId })).id as number;
    await api(base, token, 'PATCH', `/api/client/users/${userId}`, { screenExtensionId: extId });
  });
  return token;
}

export type Topology = 'single' | 'split';

/** Clean-ups of Switchyard systems still starting (run.ts calls them on Ctrl-C / watchdog before they are sides). */
export const starting = new Set<() => Promise<void>>();

/** A CPU profile of one Switchyard process (`part`: which process, e.g. `edge` or `app`). */
export interface ProfilePart {
  part: string;
  profile: unknown;
}

/** One `switchyard start` of a system with its inspector port (heap readings, CPU profiles). */
interface Node {
  part: string;
  proc: PlatformProcess;
  inspect: number;
}

/** Runs `fn` and removes the SIGINT/SIGTERM listeners it added (test/support's PostgreSQL and Redis helpers add
 * ones that stop the server and re-raise the signal, which would kill this process before run.ts has stopped the
 * Switchyard processes; run.ts stops them itself, in order). Their `exit` hooks stay as a last resort. */
async function withoutSignalHooks<T>(fn: () => Promise<T>): Promise<T> {
  const before = new Map((['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, new Set(process.listeners(sig))]));
  try {
    return await fn();
  } finally {
    for (const [sig, had] of before) {
      for (const l of process.listeners(sig)) if (!had.has(l)) process.off(sig, l);
    }
  }
}

/** Waits until these processes use less than `share` of one core over a second (at most `limitMs`). */
async function settle(pids: () => number[], share: number, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    const a = cpuSnapshot(pids());
    await sleep(1000);
    if (cpuDeltaNs(a, cpuSnapshot(pids())) < share * 1e9) return true;
  }
  return false;
}

/** used_memory of a Redis server (INFO memory). */
async function redisUsedMemory(url: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    return Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? NaN);
  } finally {
    r.disconnect();
  }
}

/**
 * Switchyard as the system under test. `single`: one `switchyard start` (roles api, edge, app; embedded PGlite).
 * `split`: the documented way to scale, on this host: a throwaway PostgreSQL 15 and redis-server, process 1 with
 * roles api, edge, billing, jobs and process 2 with role app, the two talking SIP over loopback (the edge sends calls
 * to SIP_APP_PORT, the app sends B legs to SIP_EDGE_INTERNAL_PORT). CPU counts every thread of both Switchyard
 * processes, of the PostgreSQL server (postmaster and backends) and of redis-server: all of it is the system.
 */
export async function startSwitchyardSystem(
  users: BenchUsers,
  log: (l: string) => void,
  topology: Topology = 'single',
  /** another checkout to run, its label and extra node options (bench/edge/ab.ts) */
  variant?: { root: string; label: string; nodeOptions?: string },
): Promise<System> {
  const label = variant?.label ?? (topology === 'single' ? 'sy-single' : 'sy-split');
  // builtin media ports below the ephemeral range (32768+) that freePort draws from, reserved like the tests' ranges
  // (test/media/support/phone.ts): the systems of one run, and any test run alongside, get disjoint ranges
  const rtp = reservePortRange(5000);
  const rtpPorts = `${rtp}-${rtp + 4999}`;
  const appPort = await freePort(HOST);
  const internalPort = await freePort(HOST);
  const common: Record<string, string> = {
    RTP_PORTS: rtpPorts,
    // the users UDP socket's buffers, like Kamailio's `-b 4194304` (capped by net.core.rmem_max)
    SIP_UDP_BUFFER: '4194304',
    SIP_APP_PORT: String(appPort),
    SIP_EDGE_INTERNAL_PORT: String(internalPort),
  };
  // the inspector lets memory() force a GC and read the heap (inspector.ts); idle, it costs nothing measurable
  const inspectEnv = (port: number) => ({
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${variant?.nodeOptions ?? ''} --inspect=${HOST}:${port}`.trim(),
  });
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch((e) => log(`${label} stop: ${(e as Error).message}`));
  };
  const nodes: Node[] = [];
  const startNode = async (part: string, env: Record<string, string>): Promise<Node> => {
    const inspect = await freePort(HOST);
    const proc = await startSwitchyard({ ...common, ...env, ...inspectEnv(inspect) }, variant?.root);
    const node = { part, proc, inspect };
    nodes.push(node);
    stoppers.push(async () => {
      const code = await proc.stop();
      if (code !== 0) log(`${label} ${part} exit code ${String(code)}; output tail:\n${proc.output().slice(-3000)}`);
    });
    return node;
  };
  let redisUrl = '';
  let pgPids: () => number[] = () => [];
  let redisPids: () => number[] = () => [];
  const serverPids = () => [...pgPids(), ...redisPids()];
  starting.add(stopAll);
  try {
    const t0 = Date.now();
    if (topology === 'single') {
      await startNode('all', { ROLES: 'api,edge,app' });
    } else {
      const pgMissing = postgresUnavailable();
      if (pgMissing) throw new Error(`split topology: ${pgMissing}`);
      const pg = await withoutSignalHooks(() => startPostgres());
      if (!pg) throw new Error('split topology: PostgreSQL not available');
      stoppers.push(() => pg.stop());
      const databaseUrl = await createDatabase(pg.url, { name: 'switchyard_bench' });
      const redis = await withoutSignalHooks(() => startRedis());
      stoppers.push(() => redis.stop());
      redisUrl = redis.url;
      const postmaster = () => processesMatching(['/bin/postgres', `-p ${pg.port} `])[0];
      pgPids = () => {
        const pm = postmaster();
        return pm === undefined ? [] : [pm, ...childrenOf(pm)];
      };
      redisPids = () => processesMatching(['redis-server', `:${redis.port}`]);
      // the same secrets on every node (a generated secrets.json is per DATA_DIR)
      const cluster = {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        JWT_SECRET: randomBytes(32).toString('base64'),
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      };
      // the edge node first: it migrates the empty database and loads the demo data; the app node then finds both
      await startNode('edge', { ...cluster, ROLES: 'api,edge,billing,jobs', NODE_NAME: 'bench-edge' });
      await startNode('app', { ...cluster, ROLES: 'app', NODE_NAME: 'bench-app', DEMO_DATA: 'false' });
    }
    const first = nodes[0]!;
    const started = Date.now();
    const clientToken = await provision(first.proc.httpUrl, users);
    const provisioned = Date.now();
    // Every provisioning write bumps the SIP directory version, and each node reloads its whole directory per change
    // it sees (src/store/directory): hundreds of reloads queue up and run for seconds after the last API call. Wait
    // until the system is quiet (< 5 % of a core over 1 s, bounded) so that they are not charged to the first steps.
    const quiet = await settle(() => [...nodes.map((n) => n.proc.pid), ...serverPids()], 0.05, 60_000);
    const secs = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
    log(`${label}: ${nodes.map((n) => `${n.part} pid ${n.proc.pid}`).join(', ')}${serverPids().length ? `, PostgreSQL + Redis pids ${serverPids().join(' ')}` : ''}; SIP udp ${first.proc.sipPort}, app ${appPort}, edge internal ${internalPort}, RTP ${rtpPorts}; started in ${secs(t0, started)} s, provisioned ${users.names.length + 2} terminals+users+extensions in ${secs(started, provisioned)} s, ${quiet ? 'quiet' : 'still busy'} ${secs(provisioned, Date.now())} s later`);
    const nodePids = () => nodes.map((n) => n.proc.pid);
    return {
      name: 'switchyard',
      label,
      port: first.proc.sipPort,
      dropPorts: [first.proc.sipPort, appPort, internalPort],
      pids: () => [...nodePids(), ...serverPids()],
      ...(topology === 'split'
        ? { parts: () => [...nodes.map((n) => ({ part: n.part, pids: [n.proc.pid] })), { part: 'pg', pids: pgPids() }, { part: 'redis', pids: redisPids() }] }
        : {}),
      memory: async () => {
        let total = 0;
        for (const n of nodes) {
          const h = await heapAfterGc(n.inspect);
          total += h.heapUsed + h.external;
        }
        // in the split topology registrations and call counts live in Redis
        return redisUrl ? total + (await redisUsedMemory(redisUrl)) : total;
      },
      resident: () => rssBytes([...nodePids(), ...redisPids()]),
      callsInProgress: async () => (await api(first.proc.httpUrl, clientToken, 'GET', '/api/client/active-calls?pageSize=1')).total as number,
      cpuProfile: async () => {
        const stops = await Promise.all(nodes.map(async (n) => ({ part: n.part, stop: await startCpuProfile(n.inspect) })));
        return async () => Promise.all(stops.map(async (s) => ({ part: s.part, profile: await s.stop() })));
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  } finally {
    starting.delete(stopAll);
  }
}
