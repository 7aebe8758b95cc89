// The recorder's multi-row statements, each with one JSON (or array) parameter instead of one parameter per column
// and row: the SQL text stays the same whatever the batch size, and PostgreSQL / PGlite bind one value instead of
// thousands. On the embedded store (PGlite, measured when it ran on the signalling thread; it has its own thread now)
// this is about 40 % cheaper than a VALUES list for batches of 20–100 rows (bench/edge/store-cost.ts). json_populate_recordset reads the JSON keys as column names.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema/index.ts';
import type { ActiveCallState } from '../../store/schema/vpbx.ts';
import type { ActiveRow, RegistryRow } from './recorder.ts';

const ACTIVE_COLUMNS = ['brand_id', 'client_id', 'user_id', 'call_id', 'direction', 'owner_type', 'owner_id', 'owner_name', 'party',
  'caller', 'callee', 'started_at', 'state', 'answered_at', 'node'] as const;
const REGISTRY_COLUMNS = ['brand_id', 'client_id', 'user_id', 'call_id', 'start_time', 'duration', 'caller', 'callee', 'direction',
  'disposition', 'endpoint_type', 'endpoint_id', 'endpoint_name'] as const;

// fixed identifiers (never input), so sql.raw is safe here
const cols = (c: readonly string[]) => sql.raw(c.join(', '));

/**
 * The tables have no foreign keys (migration 0007): a row's parents are joined instead. A row whose client is gone
 * (deleted while the call was up; its records went with it) is not written; one whose user is gone is written
 * without it (user_id null, as ON DELETE SET NULL would have left it). The other rows of the batch are written
 * either way.
 */
const PARENTS = sql.raw('join clients as c on c.id = v.client_id left join users as u on u.id = v.user_id');
const fromParents = (c: readonly string[]) => sql.raw(c.map((x) => (x === 'user_id' ? 'u.id' : `v.${x}`)).join(', '));

export interface ActiveInsert {
  row: ActiveRow;
  state: ActiveCallState;
  answeredAt: Date | null;
  node: string | null;
}

/** Inserts active-call rows; returns each new row's id with the fields of its recorder key. */
export async function insertActive(db: Kysely<Database>, rows: ActiveInsert[]): Promise<Array<{ id: number; callId: string; direction: string; ownerId: number | null }>> {
  const json = JSON.stringify(rows.map(({ row: r, state, answeredAt, node }) => ({
    brand_id: r.brandId, client_id: r.clientId, user_id: r.userId, call_id: r.callId, direction: r.direction, owner_type: r.ownerType,
    owner_id: r.ownerId, owner_name: r.ownerName, party: r.party, caller: r.caller, callee: r.callee, started_at: r.startedAt,
    state, answered_at: answeredAt, node,
  })));
  // single-word aliases: unchanged by the CamelCasePlugin's result mapping
  const r = await sql<{ id: number | string; cid: string; dir: string; oid: number | null }>`
    insert into active_calls (${cols(ACTIVE_COLUMNS)})
    select ${fromParents(ACTIVE_COLUMNS)} from json_populate_recordset(null::active_calls, ${json}::json) as v ${PARENTS}
    returning id, call_id as cid, direction as dir, owner_id as oid`.execute(db);
  return r.rows.map((x) => ({ id: Number(x.id), callId: x.cid, direction: x.dir, ownerId: x.oid === null ? null : Number(x.oid) }));
}

export async function updateActive(db: Kysely<Database>, rows: Array<{ id: number; state: ActiveCallState; answeredAt: Date | null }>): Promise<void> {
  const json = JSON.stringify(rows.map((r) => ({ id: r.id, state: r.state, answered_at: r.answeredAt })));
  await sql`update active_calls as a set state = v.state, answered_at = v.answered_at
    from json_to_recordset(${json}::json) as v(id bigint, state text, answered_at timestamptz) where a.id = v.id`.execute(db);
}

export async function deleteActive(db: Kysely<Database>, ids: number[]): Promise<void> {
  await sql`delete from active_calls where id = any(${`{${ids.join(',')}}`}::bigint[])`.execute(db);
}

export async function insertRegistry(db: Kysely<Database>, rows: RegistryRow[]): Promise<void> {
  const json = JSON.stringify(rows.map((r) => ({
    brand_id: r.brandId, client_id: r.clientId, user_id: r.userId, call_id: r.callId, start_time: r.startTime, duration: r.duration,
    caller: r.caller, callee: r.callee, direction: r.direction, disposition: r.disposition, endpoint_type: r.endpointType,
    endpoint_id: r.endpointId, endpoint_name: r.endpointName,
  })));
  await sql`insert into call_registry (${cols(REGISTRY_COLUMNS)})
    select ${fromParents(REGISTRY_COLUMNS)} from json_populate_recordset(null::call_registry, ${json}::json) as v ${PARENTS}`.execute(db);
}
