// One measured SIPp run against one system (REGISTER load or call load) for bench/edge/run.ts: CPU from schedstat
// around it, UDP drops on the sockets involved, the load average, and a "clean" verdict. Every SIPp started here is
// tracked in `running` so that Ctrl-C / failure can kill it by its own PID (run.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startSipp, stat, waitListening, type SippResult, type SippRun } from '../../test/sip/interop/sipp.ts';
import { cpuDeltaNs, cpuSnapshot, load1, sleep, udpDrops } from '../support/proc.ts';
import type { BenchUsers, System } from './systems.ts';

const HERE = new URL('.', import.meta.url).pathname;
const UAS_XML = join(HERE, '../sip/proxy/uas.xml');
export const HOST = '127.0.0.1';
export const PASSWORD = 'BenchPw2024x';

/** `--cpu-prof DIR` of run.ts: each step of a system that can be profiled writes DIR/<system>-<process>-<kind>-<rate>-<ms>.cpuprofile */
export const profiling = { dir: '' };

/** SIPp processes still running (killed on Ctrl-C / failure). */
export const running = new Set<SippRun>();

export function sipp(bin: string, args: string[], dir: string, limitMs: number): SippRun {
  const r = startSipp(bin, args, dir, limitMs);
  running.add(r);
  void r.done.then(() => running.delete(r));
  return r;
}

export interface Side {
  sys: System;
  dir: string;
  /** fixed SIPp port of the REGISTER load, so each run refreshes the same binding per user */
  regPort: number;
  uasPort: number;
  uas?: SippRun;
  /** the Request-URI user that reaches the callee */
  dial: string;
  csv: string;
  reg: Step[];
  calls: Step[];
  regDone: boolean;
  callsDone: boolean;
  memPerReg?: Mem;
  memPerCall?: Mem;
  memPerCallEarly?: Mem;
  held?: number;
}

/** Bytes per registration / call: `state` = what holds it (Switchyard heap after GC, Kamailio shm), `resident` = RSS (Kamailio: PSS over all workers). */
export interface Mem {
  state: number;
  resident: number;
}

export interface Step {
  system: string;
  kind: 'register' | 'call';
  rate: number;
  total: number;
  ok: number;
  failed: number;
  retrans: number;
  achieved: number;
  rtt: string;
  cpuUs: number;
  cpuPct: number;
  /** datagrams dropped by the system's own socket (receive buffer full) */
  drops: number;
  /** dropped by the SIPp sockets (the load generator fell behind) */
  sippDrops: number;
  load: number;
  /** CPU % of one core per process group (sy-split: edge, app, pg, redis), when the system has several */
  parts?: string;
  /** 0 failed, every call completed, ≥ 90 % of the offered rate sustained (any retransmissions) */
  completed: boolean;
  /** completed with retransmissions ≤ 1 % of the calls */
  clean: boolean;
}

const COLS = ['system', 'kind', 'rate', 'total', 'ok', 'failed', 'retrans', 'achieved', 'rtt', 'cpuUs', 'cpuPct', 'drops', 'sippDrops', 'load', 'clean'] as const;
const pad = (c: string, v: string) => v.padStart(c === 'system' ? 10 : c === 'kind' ? 8 : c === 'rtt' ? 9 : Math.max(7, c.length));
export const header = () => COLS.map((c) => pad(c, c)).join(' ');
export const fmtRow = (s: Step) => COLS.map((c) => pad(c, String(s[c]))).join(' ') + (s.parts ? `  [${s.parts}]` : '');

export function writeCsv(dir: string, file: string, names: string[]): string {
  const p = join(dir, file);
  writeFileSync(p, `SEQUENTIAL\n${names.map((n) => `${n};[authentication username=${n} password=${PASSWORD}]`).join('\n')}\n`);
  return p;
}

/** The bench's users: `count` load terminals b00001…, and the caller (8001) and callee (8002) of the call steps. */
export function benchUsers(count: number): BenchUsers {
  return {
    names: Array.from({ length: count }, (_, i) => `b${String(i + 1).padStart(5, '0')}`),
    password: PASSWORD,
    caller: 'caller',
    callee: 'callee',
    calleeExtension: '8002',
  };
}

/** A system under load, with its own SIPp ports and the users CSV in `dir`; `dial` reaches the callee there. */
export async function newSide(sys: System, dir: string, dial: string, users: BenchUsers): Promise<Side> {
  return {
    sys, dir, regPort: await freePort(HOST), uasPort: await freePort(HOST), dial,
    csv: writeCsv(dir, 'users.csv', users.names), reg: [], calls: [], regDone: false, callsDone: false,
  };
}

function sippArgs(side: Side, extra: string[]): string[] {
  return [...extra, '-i', HOST, '-buff_size', '4194304', `${HOST}:${side.sys.port}`];
}

/** One bounded SIPp run against a side, with CPU, drops and load around it. `sustained`: judge the achieved rate too. */
async function measured(bin: string, side: Side, kind: Step['kind'], rate: number, total: number, args: string[], limitS: number, sustained: boolean): Promise<Step> {
  const clientPorts = [side.uasPort, side.regPort];
  const drops0 = udpDrops(side.sys.dropPorts);
  const sippDrops0 = udpDrops(clientPorts);
  const stopProfile = profiling.dir && side.sys.cpuProfile ? await side.sys.cpuProfile() : null;
  const cpu0 = cpuSnapshot(side.sys.pids());
  const t0 = process.hrtime.bigint();
  const r: SippResult = await sipp(bin, sippArgs(side, [...args, '-r', String(rate), '-rp', '1000', '-m', String(total)]), side.dir, limitS * 1000).done;
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu1 = cpuSnapshot(side.sys.pids());
  const cpu = cpuDeltaNs(cpu0, cpu1);
  // CPU % of one core of each process group: threads keyed `pid/tid` in the snapshots
  const parts = side.sys.parts?.().map(({ part, pids }) => {
    const mine = (m: Map<string, number>) => new Map([...m].filter(([k]) => pids.includes(Number(k.split('/')[0]))));
    return `${part} ${Math.round((cpuDeltaNs(mine(cpu0), mine(cpu1)) / wallNs) * 100)}%`;
  }).join(' ');
  if (stopProfile) {
    const at = Date.now();
    for (const p of await stopProfile()) writeFileSync(join(profiling.dir, `${side.sys.label}-${p.part}-${kind}-${rate}-${at}.cpuprofile`), JSON.stringify(p.profile));
  }
  const ok = stat(r, 'SuccessfulCall(C)');
  const failed = stat(r, 'FailedCall(C)') + (r.killed ? total - ok - stat(r, 'FailedCall(C)') : 0);
  const retrans = stat(r, 'Retransmissions(C)');
  if (failed > 0 || r.code !== 0) writeFileSync(join(side.dir, `err-${kind}-${rate}-${Date.now()}.log`), `exit ${String(r.code)}\n${r.errors}\n${r.stderr.slice(-2000)}`);
  const achieved = Math.round(Number(r.stats['CallRate(C)'] ?? 0));
  // SIPp's rate counts the whole run: a system that only keeps up through retransmissions falls behind.
  const completed = failed === 0 && ok === total && (!sustained || achieved >= rate * 0.9);
  return {
    system: side.sys.label, kind, rate, total, ok, failed, retrans, achieved,
    rtt: (r.stats['ResponseTime1(C)'] ?? '').replace(/^00:00:/, ''),
    cpuUs: ok > 0 ? Math.round(cpu / ok / 1000) : 0,
    cpuPct: Math.round((cpu / wallNs) * 100),
    drops: udpDrops(side.sys.dropPorts) - drops0,
    sippDrops: udpDrops(clientPorts) - sippDrops0,
    load: load1(),
    ...(parts ? { parts } : {}),
    completed,
    clean: completed && retrans <= total / 100,
  };
}

export function regStep(bin: string, side: Side, rate: number, total: number, sustained = true): Promise<Step> {
  return measured(bin, side, 'register', rate, total,
    ['-sf', join(HERE, 'register.xml'), '-inf', side.csv, '-p', String(side.regPort), '-l', '20000', '-recv_timeout', '10000'],
    Math.ceil(total / rate) * 3 + 30, sustained);
}

/**
 * `holdMs`: time between the ACK and the BYE; a step with a long hold is not judged on its achieved rate.
 * `concurrent`: at most that many calls at once (SIPp -l): with a rate above the system's capacity, SIPp starts a call
 * as one ends, so the achieved rate is the capacity, without the retransmissions of an overload (bench/edge/ab.ts).
 */
export function callStep(bin: string, side: Side, users: BenchUsers, rate: number, total: number, holdMs: number, concurrent = 20_000): Promise<Step> {
  return measured(bin, side, 'call', rate, total,
    ['-sf', join(HERE, 'uac-auth.xml'), '-s', side.dial, '-key', 'caller', users.caller, '-au', users.caller, '-ap', PASSWORD,
      '-d', String(holdMs), '-l', String(concurrent), '-recv_timeout', '10000'],
    Math.ceil(total / rate) * 3 + Math.ceil(holdMs / 1000) + 30, holdMs <= 1000 && concurrent === 20_000);
}

/** One REGISTER of `name` from a free port (retried while the directory catches up with the provisioning). */
export async function warmRegister(bin: string, side: Side, name: string): Promise<void> {
  await registerOnce(bin, side, name, await freePort(HOST));
}

async function registerOnce(bin: string, side: Side, name: string, port: number): Promise<void> {
  const csv = writeCsv(side.dir, `${name}.csv`, [name]);
  for (let attempt = 0; ; attempt++) {
    const r = await sipp(bin, sippArgs(side, ['-sf', join(HERE, 'register.xml'), '-inf', csv, '-p', String(port), '-m', '1', '-recv_timeout', '3000']), side.dir, 15_000).done;
    if (r.code === 0) return;
    // Switchyard's directory may not have caught up with the provisioning yet (it reloads on change / every 5 s)
    if (attempt >= 10) throw new Error(`${side.sys.name}: REGISTER of ${name} failed (sipp ${String(r.code)}): ${r.errors.slice(-800)}`);
    await sleep(1000);
  }
}

/** Registers the callee from the UAS's own port (the edge sends to the REGISTER's source), then starts the UAS there. */
export async function startUas(bin: string, side: Side, users: BenchUsers): Promise<void> {
  await registerOnce(bin, side, users.callee, side.uasPort);
  // the UAS waits for BYEs of calls held up to ~50 s (memory phase): its receive timeout is above that
  side.uas = sipp(bin, ['-sf', UAS_XML, '-i', HOST, '-p', String(side.uasPort), '-buff_size', '4194304', '-recv_timeout', '120000'], side.dir, 60 * 60_000);
  await waitListening(side.uasPort, 'udp');
}
