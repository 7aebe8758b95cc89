// Call records (active_calls, call_registry) without foreign keys: the same cascades, done by triggers on the parent
// tables, and the recorder's inserts join the parents instead (src/app/calls/store-batch.ts).
//
// Why:
// - A poisoned batch. The recorder writes every call of a flush in one statement. With foreign keys, one row whose
//   user or client was deleted while the call was up (an operator removing a user mid-call) failed the whole
//   statement, on every retry: no call of any tenant reached the registry from then on, and the recorder's memory
//   grew. The joins drop (client gone: its records went with it) or adjust (user gone: `user_id` null, as ON DELETE
//   SET NULL did) such a row and write the others.
// - Cost. Each foreign-key check is a query that also locks the parent row (FOR KEY SHARE), three per row. Measured
//   with the recorder's registry statement on PGlite, 800–2 000-row batches: 48–74 → 38–48 µs of the signalling
//   thread per row, two rows per call.
//
// What is lost: a client or user deleted by a concurrent transaction at the very moment a call's row is written
// (PostgreSQL: the API of any node; the trigger cannot see the uncommitted row) can leave that row behind with the
// deleted client_id (it still shows in platform-level lists) or user_id. During a rolling upgrade, app nodes still on
// the old code insert without the joins, with the same effect for rows of clients deleted meanwhile.
import { sql, type Kysely } from 'kysely';

const TABLES = ['active_calls', 'call_registry'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await sql`alter table ${sql.table(t)}
      drop constraint ${sql.ref(`${t}_brand_id_fkey`)},
      drop constraint ${sql.ref(`${t}_client_id_fkey`)},
      drop constraint ${sql.ref(`${t}_user_id_fkey`)}`.execute(db);
  }
  // ON DELETE CASCADE from clients (a brand's clients go first: clients.brand_id has no cascade)
  await sql.raw(`
    create function call_records_client_deleted() returns trigger language plpgsql as $$
    begin
      delete from call_registry where client_id = old.id;
      delete from active_calls where client_id = old.id;
      return null;
    end $$`).execute(db);
  await sql`create trigger clients_call_records after delete on clients
    for each row execute function call_records_client_deleted()`.execute(db);
  // ON DELETE SET NULL from users (call_registry_user_time_idx serves the lookup)
  await sql.raw(`
    create function call_records_user_deleted() returns trigger language plpgsql as $$
    begin
      update call_registry set user_id = null where user_id = old.id;
      update active_calls set user_id = null where user_id = old.id;
      return null;
    end $$`).execute(db);
  await sql`create trigger users_call_records after delete on users
    for each row execute function call_records_user_deleted()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists users_call_records on users`.execute(db);
  await sql`drop trigger if exists clients_call_records on clients`.execute(db);
  await sql`drop function if exists call_records_user_deleted()`.execute(db);
  await sql`drop function if exists call_records_client_deleted()`.execute(db);
  for (const t of TABLES) {
    await sql`delete from ${sql.table(t)} where client_id not in (select id from clients) or brand_id not in (select id from brands)`.execute(db);
    await sql`update ${sql.table(t)} set user_id = null where user_id not in (select id from users)`.execute(db);
    await sql`alter table ${sql.table(t)}
      add constraint ${sql.ref(`${t}_brand_id_fkey`)} foreign key (brand_id) references brands(id) on delete cascade,
      add constraint ${sql.ref(`${t}_client_id_fkey`)} foreign key (client_id) references clients(id) on delete cascade,
      add constraint ${sql.ref(`${t}_user_id_fkey`)} foreign key (user_id) references users(id) on delete set null`.execute(db);
  }
}
