// Current day usage (seed-part1 §1.30, §2.12): per client, today's spend on external outbound calls (local day
// in the client's timezone), the configured max daily usage and whether new external calls are blocked.
// A read-only view over clients; counters live in daily_usages (src/billing/daily-usage-store.ts).
import Type from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { enumOf, fk, idField, text } from '../registry/field-helpers.ts';
import { dailyLimitState, dayKey, formatMoney } from '../../domain/rating/index.ts';
import { db } from './billing/common.ts';

export default defineResource({
  name: 'currentDayUsages',
  table: 'clients',
  path: '/current-day-usages',
  description: 'Today\'s external call spend per client against its max daily usage',
  levels: { platform: ['list', 'get'], brand: ['list', 'get'], client: ['list', 'get'] },
  owner: { brand: 'brandId', client: 'id' },
  defaultOrder: ['name'],
  fields: {
    id: idField,
    brandId: fk('brands', { readOnly: true }),
    type: enumOf(['vpbx', 'residential', 'retail', 'wholesale'], { readOnly: true }),
    name: text(100, { readOnly: true }),
    maxDailyUsage: { schema: Type.String(), nullable: true, readOnly: true, description: 'money string; null = no limit' },
    todayUsage: { schema: Type.String(), virtual: true, readOnly: true, description: 'money spent today (client local day)' },
    day: { schema: Type.String(), virtual: true, readOnly: true, description: 'the client\'s local date' },
    blocked: { schema: Type.Boolean(), virtual: true, readOnly: true, description: 'new external outbound calls are refused' },
  },
  hooks: {
    async afterRead(ctx) {
      const ids = ctx.rows.map((r) => r.id as number);
      if (ids.length === 0) return;
      const zones = await db(ctx).selectFrom('clients').innerJoin('timezones', 'timezones.id', 'clients.defaultTimezoneId')
        .select(['clients.id', 'timezones.name']).where('clients.id', 'in', ids).execute();
      const now = Date.now();
      const days = new Map(zones.map((z) => [z.id, dayKey(now, z.name)]));
      const usages = await db(ctx).selectFrom('dailyUsages').select(['clientId', 'day', 'amount']).where('clientId', 'in', ids).execute();
      for (const r of ctx.rows) {
        const day = days.get(r.id as number) ?? '';
        const u = usages.find((x) => x.clientId === r.id && x.day === day);
        const amount = u ? Number(u.amount) : 0;
        const limit = r.maxDailyUsage === null || r.maxDailyUsage === undefined ? null : Number(r.maxDailyUsage);
        const zone = zones.find((z) => z.id === r.id)?.name ?? 'UTC';
        const state = dailyLimitState({ day, amount }, limit, now, zone);
        r.day = day;
        r.todayUsage = formatMoney(amount);
        r.blocked = state.blocked;
        r.maxDailyUsage = limit === null ? null : formatMoney(limit);
      }
    },
  },
});
