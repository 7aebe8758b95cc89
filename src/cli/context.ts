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

export const consoleOutput: Output = {
  info: (line) => process.stdout.write(line + '\n'),
  error: (line) => process.stderr.write(line + '\n'),
};

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

/** Opens the configured store: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR/pglite. */
export function openConfiguredStore(config: Config, opts: { migrate?: boolean } = {}): Promise<Store> {
  return config.databaseUrl
    ? openStore({ databaseUrl: config.databaseUrl, migrate: opts.migrate ?? true })
    : openStore({ dataDir: join(config.dataDir, 'pglite'), migrate: opts.migrate ?? true });
}

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
