// What every command needs: the resolved configuration and a way to open the store it names, plus output
// helpers. Commands print plain lines on stdout (the operator's console) and problems on stderr.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadConfig, type Config } from '../config/load.ts';
import { openStore, type Store } from '../store/db.ts';

export interface Output {
  info(line: string): void;
  error(line: string): void;
}

/** How long stdout lines may wait to be written together. */
const STDOUT_COALESCE_MS = 20;

/**
 * stdout lines are gathered and written together at most every STDOUT_COALESCE_MS: the app logs two lines per call,
 * and each write is a syscall (to a pipe or a journal, also a wake-up of the reader), which under call load cost more
 * than building the lines. Errors go out at once, after any gathered lines (their order is kept), and whatever is
 * still gathered is written when the process exits (also through process.exit()).
 */
export function bufferedConsoleOutput(
  stdout: { write(text: string): unknown } = process.stdout,
  stderr: { write(text: string): unknown } = process.stderr,
  coalesceMs = STDOUT_COALESCE_MS,
): Output & { flush(): void } {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending === '') return;
    const text = pending;
    pending = '';
    stdout.write(text);
  };
  process.on('exit', flush);
  return {
    info(line) {
      pending += line + '\n';
      if (!timer) {
        timer = setTimeout(flush, coalesceMs);
        timer.unref();
      }
    },
    error(line) {
      flush();
      stderr.write(line + '\n');
    },
    flush,
  };
}

export const consoleOutput: Output = bufferedConsoleOutput();

export type CommandResult = { ok: true } | { ok: false; code: string; exitCode: number };

/** Resolves config from env + flags, printing every error. */
export function resolveConfig(flags: Record<string, string>, out: Output): Config | null {
  const r = loadConfig({ flags });
  if (r.ok) return r.config;
  out.error('switchyard: invalid configuration:');
  for (const e of r.errors) out.error(`  ${e.source}: ${e.message}`);
  out.error('run `switchyard help` for the settings and their defaults');
  return null;
}

/**
 * Opens the configured store: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR/pglite on a thread of
 * its own (src/store/pglite-thread.ts: its statements take no time from SIP signalling).
 */
export function openConfiguredStore(config: Config, opts: { migrate?: boolean } = {}): Promise<Store> {
  return config.databaseUrl
    ? openStore({ databaseUrl: config.databaseUrl, migrate: opts.migrate ?? true })
    : openStore({ dataDir: join(config.dataDir, 'pglite'), migrate: opts.migrate ?? true, pgliteThread: true });
}

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
