// Process measurements shared by the benchmarks (bench/edge, bench/sip/proxy): ns on CPU from schedstat summed over
// every thread (interop README §5: tick-based accounting misses the short bursts on this VM), resident memory, UDP
// drops per socket, the process tree (Kamailio's workers are children of its main PID) and stopping a child.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** ns on CPU per thread (`pid/tid` → ns) of these processes: threads are compared one by one (cpuDeltaNs). */
export function cpuSnapshot(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        out.set(`${pid}/${t}`, Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'latin1').split(' ')[0]));
      } catch {
        // thread ended
      }
    }
  }
  return out;
}

/** ns on CPU of every thread of these processes (schedstat field 1). */
export function cpuNs(pids: number[]): number {
  let total = 0;
  for (const ns of cpuSnapshot(pids).values()) total += ns;
  return total;
}

/**
 * CPU between two snapshots: threads present in both count their difference, threads new in `after` all of theirs
 * (a PostgreSQL backend or worker started during the step). A thread or process that ended in between is lost (an
 * undercount, never a negative figure as a plain sum over changing processes gives).
 */
export function cpuDeltaNs(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [k, ns] of after) total += ns - (before.get(k) ?? 0);
  return total;
}

function ppidOf(pid: string): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Direct children of `root` (optionally only those whose command line contains `match`). */
export function childrenOf(root: number, match?: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || ppidOf(d) !== root) continue;
    if (match !== undefined) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${d}/cmdline`, 'latin1').replaceAll('\0', ' ');
      } catch {
        continue;
      }
      if (!cmd.includes(match)) continue;
    }
    out.push(Number(d));
  }
  return out;
}

/** Every process on the machine whose command line contains all of `parts` (e.g. a postmaster by its port). */
export function processesMatching(parts: string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'latin1').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (parts.every((p) => cmd.includes(p))) out.push(Number(d));
  }
  return out;
}

/** Resident set, bytes (VmRSS), summed over the processes. */
export function rssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
      total += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * Proportional set size, bytes, summed over the processes (smaps_rollup `Pss:`): shared pages are split between
 * the processes that map them, so Kamailio's shm (mapped by every worker) counts once, not once per worker.
 */
export function pssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
      total += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/** 1-minute load average. */
export function load1(): number {
  return Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[0]);
}

/** Sum of the last column (drops) of /proc/net/udp for sockets bound to these ports. */
export function udpDrops(ports: number[]): number {
  const hex = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  let drops = 0;
  for (const line of readFileSync('/proc/net/udp', 'latin1').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const port = cols[1]?.split(':')[1];
    if (port && hex.has(port)) drops += Number(cols[cols.length - 1] ?? 0);
  }
  return drops;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `child` has exited; SIGKILL after `ms`. */
export function waitExit(child: ChildProcess, ms: number): Promise<void> {
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
