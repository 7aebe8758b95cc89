// Current day usage and max daily usage (seed-part1 §2.12, seed-part2 §2.26): money spent today on
// external outbound calls; once it reaches the limit, new external outbound calls are blocked (and
// the billing layer hangs up the client's calls); raising the limit above today's usage re-enables
// at once; at midnight the counter resets. Decisions: "today" is the client's local day in the
// client's timezone (ambiguity 10); the usage counted is the client's price (ambiguity 28); a limit
// of null or ≤ 0 means no limit. Blocking is derived from (usage, limit, day), never stored, so a
// limit raise or a new day needs no extra state change.
import type { Money } from './money.ts';
import { ZoneClock } from './zone-clock.ts';

export interface DailyUsage {
  /** Local date 'YYYY-MM-DD' in the client's timezone. */
  readonly day: string;
  readonly amount: Money;
}

const clocks = new Map<string, ZoneClock>();

function clockFor(timeZone: string): ZoneClock {
  let c = clocks.get(timeZone);
  if (!c) {
    c = new ZoneClock(timeZone);
    clocks.set(timeZone, c);
  }
  return c;
}

/** The local day key of a UTC instant (epoch ms) in `timeZone`. Throws RangeError for an unknown zone. */
export function dayKey(utcMs: number, timeZone: string): string {
  return clockFor(timeZone).local(utcMs).date;
}

/** Today's usage at `now`: the stored usage if it is for today, else zero (midnight reset). */
export function usageToday(usage: DailyUsage | undefined, now: number, timeZone: string): DailyUsage {
  const day = dayKey(now, timeZone);
  return usage && usage.day === day ? usage : { day, amount: 0 };
}

/** Adds a rated call's price to the day of `at` (its hang-up or, for prepaid, each debit). */
export function addUsage(usage: DailyUsage | undefined, amount: Money, at: number, timeZone: string): DailyUsage {
  const today = usageToday(usage, at, timeZone);
  return { day: today.day, amount: today.amount + amount };
}

export interface DailyLimitState {
  readonly blocked: boolean;
  readonly usage: Money;
  /** null when there is no limit. */
  readonly remaining: Money | null;
}

export function dailyLimitState(usage: DailyUsage | undefined, limit: Money | null | undefined, now: number, timeZone: string): DailyLimitState {
  const today = usageToday(usage, now, timeZone);
  if (limit === null || limit === undefined || limit <= 0) return { blocked: false, usage: today.amount, remaining: null };
  return { blocked: today.amount >= limit, usage: today.amount, remaining: Math.max(0, limit - today.amount) };
}

/** Whether a new call may start: only external outbound calls are limited. */
export function dailyLimitAllows(
  call: { readonly external: boolean; readonly outbound: boolean },
  usage: DailyUsage | undefined,
  limit: Money | null | undefined,
  now: number,
  timeZone: string,
): boolean {
  if (!call.external || !call.outbound) return true;
  return !dailyLimitState(usage, limit, now, timeZone).blocked;
}
