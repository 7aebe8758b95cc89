// Reservation ledger of a prepaid balance (seed-part1 §2.10: prepaid is rated during the call;
// at zero balance the client's calls hang up; no new call at zero or negative balance). A pure
// state machine: each call reserves its connection charge and one charge period at start, then
// one more period before each period begins; at hang-up the actual cost is committed and the
// rest released. A reservation is granted while the available amount (balance − commits −
// reservations) is positive, so only the last granted reservation can cross zero: the invariant
// is commits + active reservations ≤ balance + one charge period of one call. A call whose
// extension is refused must end by the end of its covered time.
import type { Money } from './money.ts';
import { chargeCall, periodReservation, type CallCharge, type Tariff } from './tariff.ts';

export interface CallReservation {
  readonly tariff: Tariff;
  readonly deductible: boolean;
  readonly reserved: Money;
  /** Seconds of call paid for by the reservation (interval start + reserved periods). */
  readonly coveredSeconds: number;
}

export interface LedgerState {
  readonly balance: Money;
  readonly committed: Money;
  readonly reservedTotal: Money;
  readonly calls: ReadonlyMap<string, CallReservation>;
}

export type LedgerRefusal = { readonly ok: false; readonly code: 'no_balance' | 'unknown_call' | 'duplicate_call' };

export type LedgerStep = { readonly ok: true; readonly state: LedgerState; readonly coveredSeconds: number } | LedgerRefusal;

export function openLedger(balance: Money): LedgerState {
  return { balance, committed: 0, reservedTotal: 0, calls: new Map() };
}

export function available(s: LedgerState): Money {
  return s.balance - s.committed - s.reservedTotal;
}

/** True once nothing is left: every active call will be refused its next period and hang up. */
export function exhausted(s: LedgerState): boolean {
  return available(s) <= 0;
}

/** Establishment: reserve the connection charge and the first period (after the interval start). */
export function reserveStart(s: LedgerState, callId: string, tariff: Tariff, deductible: boolean): LedgerStep {
  if (s.calls.has(callId)) return { ok: false, code: 'duplicate_call' };
  if (available(s) - tariff.connectionCharge <= 0) return { ok: false, code: 'no_balance' };
  const amount = tariff.connectionCharge + periodReservation(tariff);
  const call: CallReservation = { tariff, deductible, reserved: amount, coveredSeconds: tariff.intervalStart + tariff.chargePeriod };
  return withCall(s, callId, call, amount);
}

/** Before the next period begins: reserve it, or refuse (the call must end at `coveredSeconds`). */
export function extend(s: LedgerState, callId: string): LedgerStep {
  const call = s.calls.get(callId);
  if (!call) return { ok: false, code: 'unknown_call' };
  if (available(s) <= 0) return { ok: false, code: 'no_balance' };
  const amount = periodReservation(call.tariff);
  const next: CallReservation = { ...call, reserved: call.reserved + amount, coveredSeconds: call.coveredSeconds + call.tariff.chargePeriod };
  return withCall(s, callId, next, amount);
}

export type CommitStep =
  | { readonly ok: true; readonly state: LedgerState; readonly charge: CallCharge; readonly released: Money; /** cost beyond the reservation (a late hang-up) */ readonly overrun: Money }
  | LedgerRefusal;

/** Hang-up: commit the call's actual charge for `durationMs` and release the rest of its reservation. */
export function commit(s: LedgerState, callId: string, durationMs: number): CommitStep {
  const call = s.calls.get(callId);
  if (!call) return { ok: false, code: 'unknown_call' };
  const charge = chargeCall(call.tariff, durationMs, call.deductible);
  const calls = new Map(s.calls);
  calls.delete(callId);
  const state: LedgerState = {
    balance: s.balance, committed: s.committed + charge.total, reservedTotal: s.reservedTotal - call.reserved, calls,
  };
  return {
    ok: true, state, charge, released: Math.max(0, call.reserved - charge.total), overrun: Math.max(0, charge.total - call.reserved),
  };
}

/** Balance operations (top-up, manual decrease) while calls are active. */
export function adjustBalance(s: LedgerState, delta: Money): LedgerState {
  return { ...s, balance: s.balance + delta };
}

function withCall(s: LedgerState, callId: string, call: CallReservation, amount: Money): LedgerStep {
  const calls = new Map(s.calls);
  calls.set(callId, call);
  return { ok: true, state: { ...s, reservedTotal: s.reservedTotal + amount, calls }, coveredSeconds: call.coveredSeconds };
}
