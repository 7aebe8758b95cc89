// Max daily usage counters in the store (seed-part1 §2.12, seed-part2 §2.26): one row per client and local day
// (client timezone, ambiguity 10), incremented atomically with the client's price of each external outbound
// call. The day key makes the midnight reset implicit: a new day starts a new row. Blocking is derived from
// (usage, limit) by src/domain/rating/daily-usage.ts, never stored.
import { sql, type Kysely } from 'kysely';
import { dayKey } from '../domain/rating/index.ts';
import type { Database } from '../store/schema/index.ts';
import type { ClientBilling } from './catalog-loader.ts';
import { recordDailyLimitReached } from './notifications.ts';

type Db = Kysely<Database>;

export interface DailyUsageAfter {
  readonly day: string;
  readonly usage: number;
  /** The limit is reached (usage ≥ limit > 0). */
  readonly reached: boolean;
}

export function limitOf(client: ClientBilling): number | null {
  return client.maxDailyUsage !== null && client.maxDailyUsage > 0 ? client.maxDailyUsage : null;
}

/** Today's usage of a client (0 when no row). */
export async function readDailyUsage(db: Db, client: ClientBilling, now: number): Promise<{ day: string; usage: number }> {
  const day = dayKey(now, client.timeZone);
  const r = await db.selectFrom('dailyUsages').select('amount').where('clientId', '=', client.id).where('day', '=', day).executeTakeFirst();
  return { day, usage: r ? Number(r.amount) : 0 };
}

/**
 * Adds `amount` to the day of `at` (inside the caller's transaction). The first time the day's usage reaches the
 * limit, the "max daily usage" notification is recorded (once per client and day).
 */
export async function addDailyUsage(trx: Db, client: ClientBilling, amount: number, at: number): Promise<DailyUsageAfter> {
  const day = dayKey(at, client.timeZone);
  const row = await trx
    .insertInto('dailyUsages')
    .values({ clientId: client.id, day, amount })
    .onConflict((oc) => oc.columns(['clientId', 'day']).doUpdateSet({ amount: sql<number>`daily_usages.amount + excluded.amount` }))
    .returning(['amount'])
    .executeTakeFirstOrThrow();
  const usage = Number(row.amount);
  const limit = limitOf(client);
  const reached = limit !== null && usage >= limit;
  if (reached) {
    const first = await trx
      .updateTable('dailyUsages')
      .set({ notified: true })
      .where('clientId', '=', client.id)
      .where('day', '=', day)
      .where('notified', '=', false)
      .returning('clientId')
      .executeTakeFirst();
    if (first) {
      await recordDailyLimitReached(trx, { id: client.id, brandId: client.brandId, email: client.email, templateId: client.maxDailyUsageTemplateId }, day, usage, limit);
    }
  }
  return { day, usage, reached };
}
