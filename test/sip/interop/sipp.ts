// Running SIPp from tests and benchmarks, always bounded: `-m` caps the calls, `-recv_timeout` fails
// stuck calls, and a kill timer ends the process whatever happens (SIPp's own -timeout does not end a
// run with stuck calls, interop README §2 gotcha 1). Statistics come from SIPp's -trace_stat CSV.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { delimiter, join } from 'node:path';

export const SCENARIO_DIR = new URL('.', import.meta.url).pathname;

/** Absolute path of the sipp binary, or undefined. */
export function findSipp(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'sipp');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * How a test reacts to a missing sipp: with CI=true it is a failure (common.md), otherwise a skip with
 * a visible reason.
 */
export function sippOrSkip(t: { skip(msg: string): void }): string | undefined {
  const bin = findSipp();
  if (bin) return bin;
  if (process.env.CI === 'true') throw new Error('sipp is not installed (Debian package sip-tester) and CI=true');
  t.skip('sipp not installed (apt-get install sip-tester); skipping SIPp interop');
  return undefined;
}

/** Ports freePort handed out in this process: the kernel may offer a just-closed port again, and two listeners
 * of one platform given the same port fail its start ("TCP port N is also used by HTTP_PORT"). */
const handedOut = new Set<number>();

/** A port free for both UDP and TCP on `host` right now (bind 0, read, close), not handed out before by this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      u.once('error', () => resolve(false));
      u.bind(port, host, () => u.close(() => resolve(true)));
    });
    if (udpFree && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

export interface SippResult {
  /** exit code: 0 all calls OK, 1 some failed, 97/99/255/254 see interop README §2; null when killed */
  code: number | null;
  killed: boolean;
  /** last row of the -trace_stat CSV, cumulative counters by name, e.g. stats['SuccessfulCall(C)'] */
  stats: Record<string, string>;
  stdout: string;
  stderr: string;
  errors: string;
}

export interface SippRun {
  child: ChildProcess;
  done: Promise<SippResult>;
  /** stop it (SIGKILL) if still running */
  kill(): void;
}

/** Integer counter from the stats, 0 when absent. */
export function stat(r: SippResult, name: string): number {
  const v = r.stats[name];
  return v === undefined ? 0 : Number(v);
}

/**
 * Starts SIPp with `args` plus statistics options writing into `workDir`. `limitMs` is the hard bound.
 */
export function startSipp(bin: string, args: string[], workDir: string, limitMs: number): SippRun {
  const statFile = join(workDir, `stat-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`);
  const errFile = `${statFile}.err`;
  const full = [...args, '-nostdin', '-trace_stat', '-stf', statFile, '-fd', '1', '-trace_err', '-error_file', errFile];
  const child = spawn(bin, full, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // SIPp redraws its screen constantly: keep only the tail
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString('latin1')).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('latin1')).slice(-20_000)));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, limitMs);
  const done = new Promise<SippResult>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        killed,
        stats: readStats(statFile),
        stdout,
        stderr,
        errors: existsSync(errFile) ? readFileSync(errFile, 'latin1').slice(-5000) : '',
      });
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, killed, stats: {}, stdout, stderr: `${stderr}\n${e.message}`, errors: '' });
    });
  });
  return {
    child,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function readStats(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, 'latin1').split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const out: Record<string, string> = {};
  head.forEach((h, i) => {
    if (h) out[h] = last[i] ?? '';
  });
  return out;
}

/** Waits until something listens on `port` (UDP or TCP) per /proc/net, bounded. */
export async function waitListening(port: number, proto: 'udp' | 'tcp', ms = 5000): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const end = Date.now() + ms;
  for (;;) {
    for (const f of proto === 'udp' ? ['/proc/net/udp', '/proc/net/udp6'] : ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text = '';
      try {
        text = readFileSync(f, 'latin1');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        const local = cols[1];
        // TCP state 0A = LISTEN; UDP sockets have state 07
        if (local?.endsWith(`:${hex}`) && (proto === 'udp' || cols[3] === '0A')) return;
      }
    }
    if (Date.now() > end) throw new Error(`nothing listening on ${proto} port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
