// The SIP directory's change log: which user, terminal or extension each directory version changed, so a node's
// directory re-reads those rows instead of every row (src/store/directory/load.ts). One row per version,
// written by `bumpDirectoryVersion` in the writer's transaction; kind 'all' (clients, brands, demo data, any writer
// that does not say) makes readers load everything. Rows older than the newest 1 000 versions are pruned by the
// writers: a directory further behind than that loads everything too. `token` is random per row: a directory checks
// that the row of its own version is still the one it read, so a store that went back in time (a restore, a replica
// promoted after losing commits) and moved on to the same version numbers is not mistaken for the same history.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table vpbx_directory_changes (
      version bigint primary key,
      kind text not null check (kind in ('all', 'user', 'terminal', 'extension')),
      row_id integer check ((kind = 'all') = (row_id is null)),
      token bigint not null default (random() * 9007199254740991)::bigint
    )`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists vpbx_directory_changes`.execute(db);
}
