// What a users edge needs to put its registrations back after a restart (src/edge/users/registrations-mirror.ts,
// `start`): the q-value and the time of the last refresh ("the latest registered device" of multi contact off) were
// not in the mirror. Rows written before this migration restore with no q and their registration time.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table registrations add column q real, add column updated_at timestamptz`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table registrations drop column if exists q, drop column if exists updated_at`.execute(db);
}
