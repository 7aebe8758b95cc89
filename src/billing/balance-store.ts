// Balances in the store, updated atomically so they hold with several billing nodes on one PostgreSQL:
// every change is one conditional `UPDATE … RETURNING` (the row lock serialises concurrent changes of one
// balance, the condition decides), and every committed change writes a movement (amount, balance after, actor,
// time, reason) in the same transaction. Live prepaid reservations (src/domain/rating/reservation-ledger.ts
// semantics) live in `balances.reserved`: available = amount − reserved.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import type { BalanceMovementKind } from '../store/schema/billing.ts';
import { checkBalanceThresholds } from './notifications.ts';

type Db = Kysely<Database>;

export interface BalanceOwner {
  readonly kind: 'client' | 'carrier';
  readonly id: number;
  readonly brandId: number;
}

export interface BalanceRow {
  readonly id: number;
  readonly amount: number;
  readonly reserved: number;
}

const ownerColumn = (o: BalanceOwner) => (o.kind === 'client' ? 'clientId' : 'carrierId') as 'clientId' | 'carrierId';

/** The owner's balance row, created at 0 on first use. */
export async function ensureBalance(db: Db, owner: BalanceOwner): Promise<BalanceRow> {
  const col = ownerColumn(owner);
  const existing = await db.selectFrom('balances').select(['id', 'amount', 'reserved']).where(col, '=', owner.id).executeTakeFirst();
  if (existing) return norm(existing);
  await db
    .insertInto('balances')
    .values({ brandId: owner.brandId, [col]: owner.id })
    .onConflict((oc) => oc.column(col).doNothing())
    .execute();
  return norm(await db.selectFrom('balances').select(['id', 'amount', 'reserved']).where(col, '=', owner.id).executeTakeFirstOrThrow());
}

export async function readBalance(db: Db, owner: BalanceOwner): Promise<BalanceRow | undefined> {
  const r = await db.selectFrom('balances').select(['id', 'amount', 'reserved']).where(ownerColumn(owner), '=', owner.id).executeTakeFirst();
  return r ? norm(r) : undefined;
}

export interface MovementInput {
  readonly owner: BalanceOwner;
  /** Signed change. */
  readonly delta: number;
  readonly kind: BalanceMovementKind;
  readonly actor: string;
  readonly reason?: string | null;
  readonly callId?: string | null;
  /** Also release this much of the live reservations (prepaid hang-up). */
  readonly release?: number;
}

export interface MovementResult {
  readonly movementId: number;
  readonly balanceId: number;
  readonly balanceAfter: number;
}

/**
 * Applies a signed change and records the movement, inside `trx` (the caller's transaction) or a new one.
 * Low-balance notifications are checked in the same transaction.
 */
export async function applyMovement(db: Db, m: MovementInput, trx?: Transaction<Database>): Promise<MovementResult> {
  const run = async (t: Kysely<Database>): Promise<MovementResult> => {
    const bal = await ensureBalance(t, m.owner);
    const release = m.release ?? 0;
    const updated = await t
      .updateTable('balances')
      .set({
        amount: sql<number>`amount + ${m.delta}`,
        reserved: sql<number>`greatest(reserved - ${release}, 0)`,
        updatedAt: sql<Date>`now()`,
      })
      .where('id', '=', bal.id)
      .returning(['amount'])
      .executeTakeFirstOrThrow();
    const balanceAfter = Number(updated.amount);
    const mv = await t
      .insertInto('balanceMovements')
      .values({
        brandId: m.owner.brandId, balanceId: bal.id,
        clientId: m.owner.kind === 'client' ? m.owner.id : null, carrierId: m.owner.kind === 'carrier' ? m.owner.id : null,
        kind: m.kind, amount: m.delta, balanceAfter, actor: m.actor, reason: m.reason ?? null, callId: m.callId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await checkBalanceThresholds(t, m.owner, balanceAfter);
    return { movementId: Number(mv.id), balanceId: bal.id, balanceAfter };
  };
  return trx ? run(trx) : db.transaction().execute(run);
}

/**
 * Reserves `amount` on a balance when, after `keep`, something is still available:
 * `amount − reserved − keep > 0` (reservation-ledger.ts `reserveStart` passes the connection charge as `keep`,
 * `extend` passes 0). One statement: concurrent reservations on one balance serialise on its row lock, so
 * only the last granted one can cross zero.
 */
export async function reserve(db: Db, balanceId: number, amount: number, keep: number): Promise<boolean> {
  const r = await db
    .updateTable('balances')
    .set({ reserved: sql<number>`reserved + ${amount}` })
    .where('id', '=', balanceId)
    .where(sql<boolean>`amount - reserved - ${keep} > 0`)
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Gives back a reservation without charging (call never answered, node shutting down). */
export async function releaseReservation(db: Db, balanceId: number, amount: number): Promise<void> {
  await db
    .updateTable('balances')
    .set({ reserved: sql<number>`greatest(reserved - ${amount}, 0)` })
    .where('id', '=', balanceId)
    .execute();
}

function norm(r: { id: number; amount: number | string | bigint; reserved: number | string | bigint }): BalanceRow {
  return { id: r.id, amount: Number(r.amount), reserved: Number(r.reserved) };
}
