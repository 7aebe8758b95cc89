// Forwarding-proxy benchmark: the library's stateful proxy (proxy.ts) against Kamailio 5.6 (kamailio.cfg),
// both between a SIPp UAC and a SIPp UAS on this machine, in the same run. For each system a short ramp
// of call rates finds the highest clean rate (0 failed calls, ~0 retransmissions); CPU per call comes
// from schedstat (ns on CPU summed over every thread of the proxy's processes, interop README §5).
//
//   node --import tsx bench/sip/proxy/run.ts [--rates 500,1000,2000] [--seconds 4] [--only switchyard|kamailio]
//       [--children 4] [--retries 1] [--node-flags "..."] [--proxy-args "..."]
//
// Not part of the test suite. Every process is bounded and stopped by its own PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, cpuNs, udpDrops, waitExit } from '../../support/proc.ts';
import { findSipp, freePort, startSipp, stat, waitListening, type SippResult } from '../../../test/sip/interop/sipp.ts';

const HERE = new URL('.', import.meta.url).pathname;
const HOST = '127.0.0.1';

interface Args {
  rates: number[];
  seconds: number;
  only?: 'switchyard' | 'kamailio';
  children: number;
  /** extra node flags for the proxy process, e.g. "--max-semi-space-size=32" */
  nodeFlags: string[];
  /** extra proxy.ts arguments, e.g. "--t1 100" (experiments) */
  proxyArgs: string[];
  /** re-runs of a dirty step before it counts (noise from other work on the machine) */
  retries: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rates: [500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 7000, 8000], seconds: 4, children: 4, nodeFlags: [], proxyArgs: [], retries: 1 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--rates') a.rates = v.split(',').map(Number).filter((n) => n > 0);
    else if (argv[i] === '--seconds') a.seconds = Number(v);
    else if (argv[i] === '--only') a.only = v as Args['only'];
    else if (argv[i] === '--children') a.children = Number(v);
    else if (argv[i] === '--node-flags') a.nodeFlags = v.split(' ').filter(Boolean);
    else if (argv[i] === '--retries') a.retries = Number(v);
    else if (argv[i] === '--proxy-args') a.proxyArgs = v.split(' ').filter(Boolean);
  }
  return a;
}

interface Proxy {
  name: string;
  port: number;
  pids(): number[];
  stop(): Promise<void>;
}

async function startSwitchyard(dir: string, uasPort: number, nodeFlags: string[], proxyArgs: string[]): Promise<Proxy> {
  const port = await freePort(HOST);
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', join(HERE, 'proxy.ts'), '--host', HOST, '--port', String(port), '--route', `uas=${HOST}:${uasPort}`, ...proxyArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await waitListening(port, 'udp', 15_000).catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${log}`);
  });
  return {
    name: 'switchyard',
    port,
    pids: () => [child.pid!],
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child, 5000);
      writeFileSync(join(dir, 'switchyard.log'), log);
    },
  };
}

async function startKamailio(dir: string, uasPort: number, children: number): Promise<Proxy> {
  const port = await freePort(HOST);
  const cfg = readFileSync(join(HERE, 'kamailio.cfg'), 'latin1')
    .replaceAll('@WORKDIR@', dir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@UAS_HOST@', HOST)
    .replaceAll('@UAS_PORT@', String(uasPort))
    .replaceAll('@CHILDREN@', String(children));
  const cfgPath = join(dir, 'kamailio.cfg');
  writeFileSync(cfgPath, cfg);
  const pidFile = join(dir, 'kamailio.pid');
  const child = spawn(
    'kamailio',
    ['-f', cfgPath, '-P', pidFile, '-Y', dir, '-E', '-DD', '-m', '1024', '-x', 'tlsf', '-b', '4194304'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  await waitListening(port, 'udp', 15_000).catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${log}`);
  });
  await new Promise((r) => setTimeout(r, 300)); // workers finish forking after the bind
  return {
    name: 'kamailio',
    port,
    pids: () => [child.pid!, ...childrenOf(child.pid!)],
    stop: async () => {
      child.kill('SIGTERM'); // the main process stops every worker
      await waitExit(child, 5000);
      writeFileSync(join(dir, 'kamailio.log'), log);
    },
  };
}

interface Step {
  system: string;
  rate: number;
  calls: number;
  ok: number;
  failed: number;
  retrans: number;
  cpsAchieved: number;
  invite200: string;
  cpuUsPerCall: number;
  proxyCpuPct: number;
  udpDrops: number;
  clean: boolean;
}

async function runStep(sipp: string, dir: string, proxy: Proxy, uasPort: number, rate: number, seconds: number): Promise<Step> {
  const calls = Math.max(100, Math.round(rate * seconds));
  const pids = proxy.pids();
  const drops0 = udpDrops([proxy.port, uasPort]);
  const cpu0 = cpuNs(pids);
  const t0 = process.hrtime.bigint();
  const run = startSipp(
    sipp,
    [
      '-sf', join(HERE, 'uac.xml'), '-s', 'uas', '-i', HOST, '-r', String(rate), '-rp', '1000', '-m', String(calls),
      '-d', '100', '-l', '20000', '-recv_timeout', '10000', '-buff_size', '4194304', `${HOST}:${proxy.port}`,
    ],
    dir,
    (seconds * 4 + 30) * 1000,
  );
  const r: SippResult = await run.done;
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = cpuNs(pids) - cpu0;
  const ok = stat(r, 'SuccessfulCall(C)');
  const failed = stat(r, 'FailedCall(C)') + (r.killed ? calls - ok : 0);
  const retrans = stat(r, 'Retransmissions(C)');
  return {
    system: proxy.name,
    rate,
    calls,
    ok,
    failed,
    retrans,
    cpsAchieved: Number(r.stats['CallRate(C)'] ?? 0),
    invite200: (r.stats['ResponseTime1(C)'] ?? '').replace(/^00:00:/, ''),
    cpuUsPerCall: ok > 0 ? Math.round(cpu / ok / 1000) : 0,
    proxyCpuPct: Math.round((cpu / wallNs) * 100),
    udpDrops: udpDrops([proxy.port, uasPort]) - drops0,
    // "~0 retransmissions": at most one per thousand calls
    clean: failed === 0 && ok === calls && retrans <= calls / 1000,
  };
}

interface System {
  name: 'switchyard' | 'kamailio';
  dir: string;
  uasPort: number;
  uas: ReturnType<typeof startSipp>;
  proxy?: Proxy;
  steps: Step[];
  lastClean: number;
  firstDirty: number;
}

async function startSystem(sipp: string, name: System['name'], args: Args): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), `sy-bench-${name}-`));
  const uasPort = await freePort(HOST);
  const uas = startSipp(
    sipp,
    ['-sf', join(HERE, 'uas.xml'), '-i', HOST, '-p', String(uasPort), '-buff_size', '4194304', '-recv_timeout', '20000'],
    dir,
    20 * 60_000,
  );
  const sys: System = { name, dir, uasPort, uas, steps: [], lastClean: 0, firstDirty: 0 };
  await waitListening(uasPort, 'udp');
  sys.proxy =
    name === 'switchyard'
      ? await startSwitchyard(dir, uasPort, args.nodeFlags, args.proxyArgs)
      : await startKamailio(dir, uasPort, args.children);
  // warm-up (JIT, caches): not reported
  await runStep(sipp, dir, sys.proxy, uasPort, 200, 1);
  return sys;
}

async function restartProxy(sys: System, args: Args): Promise<void> {
  await sys.proxy?.stop();
  sys.proxy =
    sys.name === 'switchyard'
      ? await startSwitchyard(sys.dir, sys.uasPort, args.nodeFlags, args.proxyArgs)
      : await startKamailio(sys.dir, sys.uasPort, args.children);
}

async function stopSystem(sys: System): Promise<void> {
  await sys.proxy?.stop();
  sys.uas.kill();
  await sys.uas.done;
  rmSync(sys.dir, { recursive: true, force: true });
}

/** One rate for one system; a dirty step is retried `retries` times (other load on a shared machine). */
async function measure(sipp: string, sys: System, rate: number, args: Args): Promise<Step> {
  let s = await runStep(sipp, sys.dir, sys.proxy!, sys.uasPort, rate, args.seconds);
  for (let i = 0; i < args.retries && !s.clean; i++) {
    printStep(s, 'retry');
    s = await runStep(sipp, sys.dir, sys.proxy!, sys.uasPort, rate, args.seconds);
  }
  sys.steps.push(s);
  printStep(s);
  return s;
}

/**
 * The systems run interleaved, rate by rate (Kamailio then Switchyard at each rate), so load from other
 * work on the machine hits both alike. Each system stops at its first dirty rate, then one bisection step.
 */
async function benchAll(sipp: string, names: Array<System['name']>, args: Args): Promise<Record<string, Step[]>> {
  const systems: System[] = [];
  try {
    for (const n of names) systems.push(await startSystem(sipp, n, args));
    for (const rate of args.rates) {
      const active = systems.filter((x) => x.firstDirty === 0);
      if (active.length === 0) break;
      for (const sys of active) {
        const st = await measure(sipp, sys, rate, args);
        if (st.clean) sys.lastClean = rate;
        else sys.firstDirty = rate;
      }
    }
    for (const sys of systems) {
      if (sys.lastClean > 0 && sys.firstDirty > 0 && sys.firstDirty - sys.lastClean > 250) {
        // an overloaded proxy keeps the collapse's transactions (and retransmissions) for up to 64*T1:
        // start it afresh so the bisection step measures the rate, not the aftermath
        await restartProxy(sys, args);
        const mid = Math.round((sys.lastClean + sys.firstDirty) / 2 / 50) * 50;
        await measure(sipp, sys, mid, args);
      }
    }
  } finally {
    for (const sys of systems) await stopSystem(sys);
  }
  return Object.fromEntries(systems.map((x) => [x.name, x.steps]));
}

const COLS = ['system', 'rate', 'calls', 'ok', 'failed', 'retrans', 'cpsAchieved', 'invite200', 'cpuUsPerCall', 'proxyCpuPct', 'udpDrops', 'clean'] as const;

function printStep(s: Step, note = ''): void {
  console.log(COLS.map((c) => String(s[c]).padStart(c === 'system' ? 10 : Math.max(6, c.length))).join(' ') + (note ? `  (${note})` : ''));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sipp = findSipp();
  if (!sipp) {
    console.error('sipp not found (Debian package sip-tester)');
    process.exit(2);
  }
  console.log(
    `forwarding proxy benchmark: ramp ${args.rates.join(',')} cps, ${args.seconds} s per step, ${args.retries} retry per dirty step, Kamailio children=${args.children}` +
      (args.nodeFlags.length ? `, proxy node flags ${args.nodeFlags.join(' ')}` : ''),
  );
  console.log(COLS.map((c) => c.padStart(c === 'system' ? 10 : Math.max(6, c.length))).join(' '));
  const names = (['kamailio', 'switchyard'] as const).filter((n) => !args.only || args.only === n);
  const results = await benchAll(sipp, [...names], args);
  const best = (steps: Step[] = []) => steps.filter((s) => s.clean).sort((a, b) => b.rate - a.rate)[0];
  const k = best(results.kamailio);
  const s = best(results.switchyard);
  console.log('\nsummary');
  for (const [name, b] of [['kamailio', k], ['switchyard', s]] as const) {
    if (b) console.log(`  ${name.padEnd(10)} clean max ${b.rate} calls/s, ${b.cpuUsPerCall} µs CPU per call at that rate`);
    else if (results[name]) console.log(`  ${name.padEnd(10)} no clean step`);
  }
  if (k && s) {
    console.log(`  ratio switchyard/kamailio: clean calls/s ${(s.rate / k.rate).toFixed(2)}×`);
    // CPU per call compared at the same rate (the highest rate both ran clean)
    const common = (results.switchyard ?? []).filter((x) => x.clean && (results.kamailio ?? []).some((y) => y.clean && y.rate === x.rate));
    const at = common.sort((a, b) => b.rate - a.rate)[0];
    const kAt = at && results.kamailio!.find((y) => y.rate === at.rate);
    if (at && kAt) {
      console.log(`  CPU per call at ${at.rate} cps: switchyard ${at.cpuUsPerCall} µs, kamailio ${kAt.cpuUsPerCall} µs (${(kAt.cpuUsPerCall / at.cpuUsPerCall).toFixed(2)}× efficiency)`);
    }
  }
}

await main();
