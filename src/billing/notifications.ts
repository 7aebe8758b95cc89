// Billing notifications (seed-part1 §2.11, §2.12): low balance (once per crossing of each configured
// threshold) and max daily usage reached (once per client and day). Emails are sent by a later issue: here we
// record an outbox row in the transaction of the change, so a notification exists exactly when the change
// committed.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import type { BalanceOwner } from './balance-store.ts';

type Db = Kysely<Database>;

/**
 * After a balance change to `amount`: thresholds still armed and now above the balance fire (outbox row,
 * disarmed); disarmed thresholds at or below the balance re-arm, so the next fall notifies again.
 * "Below" is strict: a balance equal to the threshold does not notify.
 */
export async function checkBalanceThresholds(trx: Db, owner: BalanceOwner, amount: number): Promise<number> {
  const col = owner.kind === 'client' ? 'clientId' : 'carrierId';
  const fired = await trx
    .updateTable('balanceNotifications')
    .set({ armed: false })
    .where(col, '=', owner.id)
    .where('armed', '=', true)
    .where('threshold', '>', amount)
    .returning(['id', 'threshold', 'email', 'notificationTemplateId'])
    .execute();
  if (fired.length > 0) {
    await trx
      .insertInto('billingOutbox')
      .values(fired.map((n) => ({
        kind: 'low_balance' as const, brandId: owner.brandId,
        clientId: owner.kind === 'client' ? owner.id : null, carrierId: owner.kind === 'carrier' ? owner.id : null,
        email: n.email, notificationTemplateId: n.notificationTemplateId,
        payload: JSON.stringify({ notificationId: n.id, threshold: Number(n.threshold), balance: amount }),
      })))
      .execute();
  }
  await trx
    .updateTable('balanceNotifications')
    .set({ armed: true })
    .where(col, '=', owner.id)
    .where('armed', '=', false)
    .where('threshold', '<=', amount)
    .execute();
  return fired.length;
}

/** Records the "max daily usage reached" email for a client (only when it has an address). */
export async function recordDailyLimitReached(
  trx: Db,
  client: { id: number; brandId: number; email: string | null; templateId: number | null },
  day: string,
  usage: number,
  limit: number,
): Promise<void> {
  if (!client.email) return;
  await trx
    .insertInto('billingOutbox')
    .values({
      kind: 'max_daily_usage', brandId: client.brandId, clientId: client.id, carrierId: null, email: client.email,
      notificationTemplateId: client.templateId, payload: JSON.stringify({ day, usage, limit }),
    })
    .execute();
}
