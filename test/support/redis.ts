// Throwaway redis-server for tests: a free port on 127.0.0.1, a temp directory, no persistence
// (`--save '' --appendonly no`), stopped by its PID and removed by stop() — and by an exit/signal hook if a test
// process dies first. See /work/shared/interop/README.md §8 (Redis deletes its own pidfile at exit: we keep the
// child handle instead).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** Outage drills: kill the server (SIGKILL, nothing saved), then start a fresh empty one on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** A hung Redis: stopped (SIGSTOP) with its connections open, then continued (SIGCONT). */
  pause(): void;
  resume(): void;
}

/** Why redis-server cannot be used here, or null if it can. */
export function redisUnavailable(): string | null {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.error || r.status !== 0 ? 'redis-server not installed (Debian package redis-server)' : null;
}

/** What a test passes as `skip`: a reason outside CI, never under CI=true (there the start fails instead). */
export function redisSkipReason(): string | false {
  if (process.env.CI === 'true') return false;
  return redisUnavailable() ?? false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** PING over a raw socket until PONG (no client library: this checks the server, not our code). */
async function waitReady(port: number, child: ChildProcess, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let buf = '';
      s.setTimeout(500, () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(false));
      s.once('connect', () => s.write('PING\r\n'));
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\r\n')) {
          s.destroy();
          resolve(buf.startsWith('+PONG'));
        }
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('redis-server did not answer PING in time');
}

/** Starts a private redis-server. Throws when it is missing (callers skip first with redisSkipReason()). */
export async function startRedis(): Promise<RedisServer> {
  const missing = redisUnavailable();
  if (missing) throw new Error(process.env.CI === 'true' ? `${missing}; required when CI=true` : missing);
  const dir = mkdtempSync(join(tmpdir(), 'sy-redis-'));
  let child: ChildProcess | undefined;
  const stopSync = (): void => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = (): void => stopSync();
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSync();
    process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unhook = (): void => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  try {
    // the port is probed free, then bound by redis: another process may take it in between; retry
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log')];
      const launch = (): ChildProcess => spawn('redis-server', args, { stdio: 'ignore' });
      let c = launch();
      child = c;
      try {
        await waitReady(port, c);
      } catch (e) {
        if (c.exitCode === null) c.kill('SIGKILL');
        if (attempt >= 3) throw e;
        continue;
      }
      const end = async (signal: NodeJS.Signals): Promise<void> => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill(signal);
        const t = setTimeout(() => c.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      };
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        async stop() {
          await end('SIGTERM');
          rmSync(dir, { recursive: true, force: true });
          unhook();
        },
        async kill() {
          await end('SIGKILL');
        },
        pause() {
          c.kill('SIGSTOP');
        },
        resume() {
          c.kill('SIGCONT');
        },
        async restart() {
          await end('SIGKILL');
          c = launch();
          child = c;
          await waitReady(port, c);
        },
      };
    }
  } catch (e) {
    stopSync();
    unhook();
    throw e;
  }
}
