// The two systems under test for bench/edge/run.ts. Switchyard: `switchyard start` as a child process the README
// way (test/e2e/support/process.ts) with a temp DATA_DIR and free ports, provisioned through the REST API
// (platform admin → exchange for DemoCompany → terminals, users, extensions). Kamailio: registrar + proxy
// (kamailio.cfg) with its own pid/ctl paths. Each `stop()` ends only the process it started.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSwitchyard, type PlatformProcess } from '../../test/e2e/support/process.ts';
import { freePort, waitListening } from '../../test/sip/interop/sipp.ts';
import { childrenOf, pssBytes, rssBytes, sleep } from './measure.ts';
import { heapAfterGc, startCpuProfile } from './inspector.ts';

const HERE = new URL('.', import.meta.url).pathname;
const HOST = '127.0.0.1';

export interface System {
  name: 'kamailio' | 'switchyard';
  port: number;
  pids(): number[];
  /** bytes that hold registrations and calls: Switchyard JS heap + external after a full GC; Kamailio shm in use */
  memory(): Promise<number>;
  /** resident bytes: Switchyard RSS; Kamailio PSS summed over main + workers (its shm is mapped by each) */
  resident(): number;
  /** starts a CPU profile of the system (Switchyard, through the inspector); the result stops it and returns it */
  cpuProfile?(): Promise<() => Promise<unknown>>;
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

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
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
    port,
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

/** Terminal + user + extension for each name, in DemoCompany, as a client-level token. */
async function provision(base: string, users: BenchUsers): Promise<void> {
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
}

export interface SwitchyardSystem extends System {
  proc: PlatformProcess;
}

export async function startSwitchyardSystem(users: BenchUsers, log: (l: string) => void): Promise<SwitchyardSystem> {
  // builtin media ports below the ephemeral range (32768+) that freePort draws from
  const rtp = 20_000 + Math.floor(Math.random() * 4000);
  // the inspector lets memory() force a GC and read the heap (inspector.ts); idle, it costs nothing measurable
  const inspect = await freePort(HOST);
  const proc = await startSwitchyard({
    RTP_PORTS: `${rtp}-${rtp + 7999}`,
    // the users UDP socket's buffers, like Kamailio's `-b 4194304` (capped by net.core.rmem_max)
    SIP_UDP_BUFFER: '4194304',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=${HOST}:${inspect}`.trim(),
  });
  try {
    const pid = childrenOf(process.pid, 'src/cli/main.ts')[0];
    if (pid === undefined) throw new Error('switchyard process not found among our children');
    const t0 = Date.now();
    await provision(proc.httpUrl, users);
    log(`switchyard: pid ${pid}, SIP udp ${proc.sipPort}, RTP ${rtp}-${rtp + 7999}; provisioned ${users.names.length + 2} terminals+users+extensions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return {
      name: 'switchyard',
      port: proc.sipPort,
      proc,
      pids: () => [pid],
      memory: async () => {
        const h = await heapAfterGc(inspect);
        return h.heapUsed + h.external;
      },
      resident: () => rssBytes([pid]),
      cpuProfile: () => startCpuProfile(inspect),
      stop: async () => {
        const code = await proc.stop();
        if (code !== 0) log(`switchyard exit code ${String(code)}; output tail:\n${proc.output().slice(-3000)}`);
      },
    };
  } catch (e) {
    await proc.stop();
    throw e;
  }
}
