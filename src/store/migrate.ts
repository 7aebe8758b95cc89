// Versioned schema migrations. Every module in ./migrations named `NNNN_something.ts` is a migration (found
// by listing the folder: no central list to edit), applied in name order, each in its own transaction, and
// recorded in Kysely's `kysely_migration` table so a restart applies only what is new.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Default folder holding the migration modules. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

const MIGRATION_FILE = /^(\d{4}_.*)\.(ts|mts|js|mjs)$/;

/** A failed migration: `migrationName` says which; `cause` is the database (or code) error. */
export class MigrationError extends Error {
  readonly migrationName: string;

  constructor(migrationName: string, cause: unknown) {
    super(`migration ${migrationName} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
    this.migrationName = migrationName;
  }
}

/**
 * Finds migration modules in `dir`: names matching `^\d{4}_.*\.(ts|mts|js|mjs)$` (tests and `.d.ts` excluded),
 * keyed by the name without extension. Each module exports `up(db)` and optionally `down(db)`.
 */
export class FolderMigrationProvider implements MigrationProvider {
  readonly #dir: string;
  readonly #upTo: string | undefined;

  /** @param upTo when set, migrations whose name sorts after it are ignored. */
  constructor(dir: string = MIGRATIONS_DIR, upTo?: string) {
    this.#dir = dir;
    this.#upTo = upTo;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.#dir))
      .filter((f) => MIGRATION_FILE.test(f) && !f.endsWith('.d.ts') && !/\.test\.[mc]?[tj]s$/.test(f))
      .sort()
      .filter((f) => this.#upTo === undefined || (MIGRATION_FILE.exec(f)?.[1] ?? f) <= this.#upTo);
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const name = MIGRATION_FILE.exec(file)?.[1] ?? file;
      if (migrations[name]) throw new Error(`migration ${name} exists twice in ${this.#dir}`);
      let mod: Partial<Migration>;
      try {
        mod = (await import(pathToFileURL(join(this.#dir, file)).href)) as Partial<Migration>;
      } catch (err) {
        throw new MigrationError(name, err);
      }
      if (typeof mod.up !== 'function') throw new Error(`migration ${file} does not export up(db)`);
      migrations[name] = mod.down ? { up: mod.up, down: mod.down } : { up: mod.up };
    }
    return migrations;
  }
}

/**
 * Applies every pending migration, oldest first, one transaction per migration (a failure leaves the schema at
 * the last migration that succeeded). Safe to call on every start: applied migrations are skipped, and
 * concurrent starts against one PostgreSQL serialise on Kysely's advisory lock.
 * @param opts.dir folder of migration modules (default: ./migrations next to this file).
 * @param opts.upTo apply only migrations whose name sorts at or before this one (tests, staged upgrades).
 * @param opts.table bookkeeping table (default Kysely's `kysely_migration`): a separate migration set needs its own.
 * @returns names of the migrations applied by this call.
 * @throws MigrationError naming the migration that failed to load or to run; other errors (connection, a
 *   recorded migration missing from the folder) as they are.
 */
export async function migrate(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  opts: { dir?: string; upTo?: string; table?: string } = {},
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new FolderMigrationProvider(opts.dir, opts.upTo),
    ...(opts.table ? { migrationTableName: opts.table, migrationLockTableName: `${opts.table}_lock` } : {}),
  });
  const applied: string[] = [];
  for (;;) {
    // migrateUp() runs exactly one pending migration inside its own transaction.
    const { error, results } = await migrator.migrateUp();
    const failed = results?.find((r) => r.status === 'Error');
    if (failed) throw new MigrationError(failed.migrationName, error);
    // Not inside a migration (connection refused, a module that failed to load, history that does not match
    // the folder): rethrow as is.
    if (error !== undefined) throw error;
    const done = results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    if (done.length === 0) return applied;
    applied.push(...done);
  }
}
