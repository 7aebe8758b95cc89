// Live billing of a client's outgoing external calls (seed-part1 §2.8, §2.10, §2.12; seed-part2 §2.26), used
// by the app layer:
//
//   authorise(call)      before establishment: billable now? (coded refusal, "no rating plan, no call"),
//                        routing tag enabled, max daily usage, balance, max duration
//   answer(callId)       prepaid: reserve the connection charge and the first charge period
//   (timers)             prepaid: reserve each next period shortly before it begins; refused ⇒ the call is cut
//                        when its covered time ends ("at zero balance all calls hang up")
//   hangup(callId, ms)   prepaid: commit the actual charge, release the rest; every method: daily usage,
//                        hang-up of all the client's calls when the daily limit is reached
//
// Rating uses the in-memory catalogs (catalog-cache.ts); the store is touched only for balances and daily usage
// counters, each one atomic statement (balance-store.ts), so several billing nodes share balances safely.
// `onCut` is the app layer's hook: it must end the call (BYE both legs) with the given reason.
import type { Kysely } from 'kysely';
import {
  authoriseCall,
  chargeCall,
  dailyLimitState,
  maxAffordableSeconds,
  periodReservation,
  price,
  type AuthorisationCode,
  type Rated,
  type Tariff,
} from '../domain/rating/index.ts';
import type { Database } from '../store/schema/index.ts';
import { applyMovement, ensureBalance, releaseReservation, reserve, type BalanceOwner } from './balance-store.ts';
import type { CatalogCache } from './catalog-cache.ts';
import type { ClientBilling } from './catalog-loader.ts';
import { addDailyUsage, limitOf, readDailyUsage } from './daily-usage-store.ts';

export type LiveRefusalCode = AuthorisationCode | 'unknown_client' | 'routing_tag_not_enabled' | 'daily_limit_reached';

export type LiveAuthorisation =
  | { readonly ok: true; readonly rated: Rated | undefined; readonly maxDurationSeconds: number | null }
  | { readonly ok: false; readonly code: LiveRefusalCode; readonly message: string };

export type CutReason = 'balance_exhausted' | 'daily_limit_reached';

export interface OutgoingCall {
  readonly callId: string;
  readonly clientId: number;
  /** Callee, E.164 with '+'. */
  readonly number: string;
  readonly routingTag?: string | undefined;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface LiveBillingOptions {
  readonly db: Kysely<Database>;
  readonly catalogs: CatalogCache;
  readonly now?: () => number;
  readonly timers?: Scheduler;
  /** How long before a period begins its reservation is made, ms (default 2000, at most half a period). */
  readonly extendLeadMs?: number;
}

interface ActiveCall {
  readonly call: OutgoingCall;
  readonly client: ClientBilling;
  readonly rated: Rated;
  readonly prepaid: boolean;
  balanceId?: number;
  answeredAt?: number;
  reserved: number;
  coveredSeconds: number;
  timer?: unknown;
  cut?: CutReason;
}

export interface HangupResult {
  readonly charge: number | null;
  readonly balanceAfter?: number;
  readonly dailyUsage?: number;
}

export class LiveBilling {
  readonly #db: Kysely<Database>;
  readonly #catalogs: CatalogCache;
  readonly #now: () => number;
  readonly #timers: Scheduler;
  readonly #leadMs: number;
  readonly #calls = new Map<string, ActiveCall>();
  readonly #cutListeners = new Set<(callId: string, reason: CutReason) => void>();

  constructor(opts: LiveBillingOptions) {
    this.#db = opts.db;
    this.#catalogs = opts.catalogs;
    this.#now = opts.now ?? Date.now;
    this.#timers = opts.timers ?? realTimers;
    this.#leadMs = opts.extendLeadMs ?? 2000;
  }

  /** The app layer's hook: end the call. Returns an unsubscribe function. */
  onCut(fn: (callId: string, reason: CutReason) => void): () => void {
    this.#cutListeners.add(fn);
    return () => this.#cutListeners.delete(fn);
  }

  activeCalls(): string[] {
    return [...this.#calls.keys()];
  }

  /** Before establishment. A granted call is tracked until `hangup` (or `abandon` when never answered). */
  async authorise(call: OutgoingCall): Promise<LiveAuthorisation> {
    const brandId = await this.#catalogs.brandOfClient(call.clientId);
    const catalog = brandId === undefined ? undefined : await this.#catalogs.get(brandId);
    const client = catalog?.clients.get(call.clientId);
    if (!catalog || !client) return { ok: false, code: 'unknown_client', message: `client ${call.clientId} not found` };
    if (call.routingTag !== undefined && !client.routingTags.has(call.routingTag)) {
      return { ok: false, code: 'routing_tag_not_enabled', message: `routing tag ${call.routingTag} is not enabled for the client` };
    }
    const now = this.#now();
    const rating = price(catalog.rating, { currency: client.currency, profiles: client.profiles }, {
      number: call.number, startedAt: now, durationSeconds: 0, routingTag: call.routingTag,
    });
    if (client.billingMethod !== 'none' && limitOf(client) !== null) {
      const today = await readDailyUsage(this.#db, client, now);
      const live = this.#liveReservedOf(client.id);
      const state = dailyLimitState({ day: today.day, amount: today.usage + live }, limitOf(client), now, client.timeZone);
      if (state.blocked) return { ok: false, code: 'daily_limit_reached', message: 'max daily usage reached' };
    }
    let balance: number | undefined;
    if (client.billingMethod === 'prepaid' || client.billingMethod === 'pseudoprepaid') {
      const b = await ensureBalance(this.#db, owner(client));
      balance = b.amount - b.reserved;
    }
    const auth = authoriseCall({ billingMethod: client.billingMethod, balance, rating });
    if (!auth.ok) return auth;
    if (auth.rated) {
      this.#calls.set(call.callId, {
        call, client, rated: auth.rated, prepaid: client.billingMethod === 'prepaid', reserved: 0, coveredSeconds: 0,
      });
    }
    return auth;
  }

  /** The call was answered: prepaid calls reserve the connection charge and the first period. */
  async answer(callId: string): Promise<{ ok: true; coveredSeconds: number | null } | { ok: false; code: 'no_balance' | 'unknown_call' }> {
    const a = this.#calls.get(callId);
    if (!a) return { ok: false, code: 'unknown_call' };
    a.answeredAt = this.#now();
    if (!a.prepaid) return { ok: true, coveredSeconds: null };
    const t = a.rated.rate;
    const bal = await ensureBalance(this.#db, owner(a.client));
    a.balanceId = bal.id;
    const amount = t.connectionCharge + periodReservation(t);
    if (!(await reserve(this.#db, bal.id, amount, t.connectionCharge))) {
      this.#calls.delete(callId);
      return { ok: false, code: 'no_balance' };
    }
    a.reserved = amount;
    a.coveredSeconds = t.intervalStart + t.chargePeriod;
    this.#schedule(a);
    return { ok: true, coveredSeconds: a.coveredSeconds };
  }

  /**
   * Reserves the next charge period of a prepaid call. Normally run by the call's timer; public for tests and
   * for callers that drive time themselves. Refused ⇒ the call must end at `coveredSeconds`.
   */
  async extend(callId: string): Promise<{ ok: boolean; coveredSeconds: number }> {
    const a = this.#calls.get(callId);
    if (!a || a.balanceId === undefined) return { ok: false, coveredSeconds: 0 };
    const amount = periodReservation(a.rated.rate);
    const granted = !a.cut && (await reserve(this.#db, a.balanceId, amount, 0));
    if (!granted) return { ok: false, coveredSeconds: a.coveredSeconds };
    a.reserved += amount;
    a.coveredSeconds += a.rated.rate.chargePeriod;
    if (await this.#dailyLimitHit(a.client)) this.#cutClient(a.client.id, 'daily_limit_reached');
    return { ok: true, coveredSeconds: a.coveredSeconds };
  }

  /** The call ended after `durationMs` of talk time (0 if never answered). */
  async hangup(callId: string, durationMs: number): Promise<HangupResult> {
    const a = this.#calls.get(callId);
    if (!a) return { charge: null };
    this.#calls.delete(callId);
    if (a.timer !== undefined) this.#timers.clearTimeout(a.timer);
    const t: Tariff = a.rated.rate;
    const charge = chargeCall(t, Math.max(0, Math.round(durationMs)), a.rated.charge.deductibleConnectionFee).total;
    const now = this.#now();
    const out = await this.#db.transaction().execute(async (trx) => {
      let balanceAfter: number | undefined;
      if (a.prepaid && a.balanceId !== undefined) {
        const mv = await applyMovement(trx, {
          owner: owner(a.client), delta: -charge, kind: 'call', actor: 'billing', callId, release: a.reserved,
          reason: `call to ${a.call.number} (${Math.ceil(durationMs / 1000)} s)`,
        }, trx);
        balanceAfter = mv.balanceAfter;
      }
      const daily = charge > 0 ? await addDailyUsage(trx, a.client, charge, now) : undefined;
      return { balanceAfter, daily };
    });
    if (out.daily?.reached) this.#cutClient(a.client.id, 'daily_limit_reached');
    return {
      charge,
      ...(out.balanceAfter === undefined ? {} : { balanceAfter: out.balanceAfter }),
      ...(out.daily ? { dailyUsage: out.daily.usage } : {}),
    };
  }

  /** A call authorised but never answered (or cancelled): forget it and give back any reservation. */
  async abandon(callId: string): Promise<void> {
    const a = this.#calls.get(callId);
    if (!a) return;
    this.#calls.delete(callId);
    if (a.timer !== undefined) this.#timers.clearTimeout(a.timer);
    if (a.balanceId !== undefined && a.reserved > 0) await releaseReservation(this.#db, a.balanceId, a.reserved);
  }

  /** Max duration a prepaid/pseudo-prepaid call could last on `available` (for display). */
  static maxSeconds(rated: Rated, available: number): number | null {
    return maxAffordableSeconds(rated.rate, rated.charge.deductibleConnectionFee, available);
  }

  #schedule(a: ActiveCall): void {
    if (a.answeredAt === undefined) return;
    const end = a.answeredAt + a.coveredSeconds * 1000;
    const lead = Math.min(this.#leadMs, (a.rated.rate.chargePeriod * 1000) / 2);
    const at = end - lead;
    a.timer = this.#timers.setTimeout(() => {
      void this.#tick(a.call.callId, end);
    }, Math.max(0, at - this.#now()));
  }

  async #tick(callId: string, end: number): Promise<void> {
    const a = this.#calls.get(callId);
    if (!a) return;
    const r = await this.extend(callId).catch(() => ({ ok: false, coveredSeconds: a.coveredSeconds }));
    if (!this.#calls.has(callId)) return;
    if (r.ok) {
      this.#schedule(a);
      return;
    }
    // Refused: the call may run to the end of what is paid, then it is cut.
    a.timer = this.#timers.setTimeout(() => this.#cut(callId, a.cut ?? 'balance_exhausted'), Math.max(0, end - this.#now()));
  }

  async #dailyLimitHit(client: ClientBilling): Promise<boolean> {
    const limit = limitOf(client);
    if (limit === null) return false;
    const today = await readDailyUsage(this.#db, client, this.#now());
    return today.usage + this.#liveReservedOf(client.id) >= limit;
  }

  #liveReservedOf(clientId: number): number {
    let sum = 0;
    for (const a of this.#calls.values()) if (a.client.id === clientId) sum += a.reserved;
    return sum;
  }

  #cutClient(clientId: number, reason: CutReason): void {
    for (const a of this.#calls.values()) {
      if (a.client.id !== clientId || a.cut) continue;
      a.cut = reason;
      this.#cut(a.call.callId, reason);
    }
  }

  #cut(callId: string, reason: CutReason): void {
    for (const fn of this.#cutListeners) fn(callId, reason);
  }
}

function owner(c: ClientBilling): BalanceOwner {
  return { kind: 'client', id: c.id, brandId: c.brandId };
}
