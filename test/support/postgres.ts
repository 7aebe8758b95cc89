// Throwaway PostgreSQL 15 cluster for tests: a temp data directory, a free port on 127.0.0.1, fsync off, trust
// auth, removed again by stop() — and by an exit/signal hook if a test process dies before calling it.
// See /work/shared/interop/README.md §8 for the commands this automates.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_BIN = process.env.SY_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** Superuser URL of the `postgres` database: `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Why PostgreSQL cannot be used here, or null if it can. */
export function postgresUnavailable(): string | null {
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN, bin))) return `PostgreSQL not installed (${join(PG_BIN, bin)} missing)`;
  }
  return null;
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

// initdb refuses to run as root: run the server binaries as `postgres` then, in a directory it owns.
function runAs(): { wrap: (cmd: string, args: string[]) => [string, string[]]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { wrap: (cmd, args) => [cmd, args] };
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { wrap: (cmd, args) => ['runuser', ['-u', 'postgres', '--', cmd, ...args]], uid, gid };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.trim()}`)),
    );
  });
}

/**
 * Starts a private PostgreSQL 15 cluster. Returns null (caller skips, with postgresUnavailable() as reason) when
 * PostgreSQL is not installed, except under CI=true where that is an error.
 */
export async function startPostgres(): Promise<PostgresCluster | null> {
  const missing = postgresUnavailable();
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`${missing}; required when CI=true`);
    return null;
  }
  const who = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'sy-pg-'));
  if (who.uid !== undefined && who.gid !== undefined) chownSync(dir, who.uid, who.gid);
  const data = join(dir, 'data');
  const pgCtl = join(PG_BIN, 'pg_ctl');
  let started = false;

  const stopSync = (): void => {
    if (started) {
      const [cmd, args] = who.wrap(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(cmd, args, { stdio: 'ignore' });
      started = false;
    }
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

  try {
    await run(...who.wrap(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']));
    // The port is probed free, then bound by postgres: another process may take it in between; retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const opts = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      try {
        await run(...who.wrap(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', opts, 'start']));
        started = true;
        const cluster: PostgresCluster = {
          url: `postgres://postgres@127.0.0.1:${port}/postgres`,
          port,
          async stop() {
            if (!existsSync(dir)) return;
            if (started) {
              await run(...who.wrap(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'])).catch(() => {});
              started = false;
            }
            rmSync(dir, { recursive: true, force: true });
            process.off('exit', onExit);
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          },
        };
        return cluster;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    stopSync();
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw err;
  }
}

/** Runs one statement as superuser on the cluster of `url`. */
async function admin(url: string, text: string): Promise<void> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates a new database on the cluster of `url` (optionally a copy of `template`, which must have no open
 * connections) and returns its URL.
 */
export async function createDatabase(url: string, opts: { name?: string; template?: string } = {}): Promise<string> {
  const name = opts.name ?? `sy_${randomBytes(6).toString('hex')}`;
  await admin(url, `create database ${ident(name)}${opts.template ? ` template ${ident(opts.template)}` : ''}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops the database `url` points at, disconnecting any session still on it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await admin(url, `drop database if exists ${ident(name)} with (force)`);
}

/** Database name of a URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
