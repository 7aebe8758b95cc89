// Charge arithmetic of one rate (seed-part1 §2.8, §2.9). Decisions (docs/rating.md, ambiguity 7):
// - interval start: the first N seconds are excluded from the billable time (free), so a call
//   shorter than or equal to N costs exactly the connection charge;
// - partial charge periods round UP: billable time is charged in whole periods;
// - amount = round_half_up(periods × chargePeriod × perMinuteRate / 60), rounded once on the
//   total (never per period), so the price never decreases with duration.
import { mulDivCeil, mulDivRoundHalfUp, type Money } from './money.ts';
import type { Rate } from './model.ts';

export type Tariff = Pick<Rate, 'connectionCharge' | 'intervalStart' | 'perMinuteRate' | 'chargePeriod'>;

export interface CallCharge {
  /** Connection charge of the matched rate, charged at establishment. */
  readonly connectionCharge: Money;
  /** Duration after the interval start, in milliseconds. */
  readonly billableMs: number;
  /** Whole charge periods charged. */
  readonly periods: number;
  /** periods × chargePeriod: the seconds actually charged. */
  readonly chargedSeconds: number;
  /** "CostWithoutConnectionFee" of seed 002 L2485–2516. */
  readonly usageAmount: Money;
  /** connectionCharge + usageAmount: what was debited along the call. */
  readonly grossAmount: Money;
  readonly deductibleConnectionFee: boolean;
  /** Connection fee left after the minimal-cost rule (= connectionCharge when not deductible). */
  readonly finalConnectionFee: Money;
  /** Returned to the balances at hang-up (0 when not deductible). */
  readonly refund: Money;
  /** Final price or cost. */
  readonly total: Money;
}

/** Milliseconds from seconds, so fractional CDR durations are handled as exact integers. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Usage amount for `periods` charge periods: round_half_up(periods × period × perMinute / 60). */
export function periodsAmount(t: Tariff, periods: number): Money {
  return mulDivRoundHalfUp(periods * t.chargePeriod, t.perMinuteRate, 60);
}

/** One charge period rounded UP: what a live reservation holds so that reservations cover the total. */
export function periodReservation(t: Tariff): Money {
  return mulDivCeil(t.chargePeriod, t.perMinuteRate, 60);
}

/** Charge of a call of `durationMs` milliseconds (integer ≥ 0). */
export function chargeCall(t: Tariff, durationMs: number, deductibleConnectionFee: boolean): CallCharge {
  if (!Number.isSafeInteger(durationMs) || durationMs < 0) throw new RangeError(`bad duration ${durationMs}`);
  const billableMs = Math.max(0, durationMs - t.intervalStart * 1000);
  const periodMs = t.chargePeriod * 1000;
  const periods = Math.ceil(billableMs / periodMs); // both integers: exact
  const usageAmount = periodsAmount(t, periods);
  const connectionCharge = t.connectionCharge;
  const grossAmount = connectionCharge + usageAmount;
  if (!deductibleConnectionFee) {
    return {
      connectionCharge, billableMs, periods, chargedSeconds: periods * t.chargePeriod, usageAmount, grossAmount,
      deductibleConnectionFee, finalConnectionFee: connectionCharge, refund: 0, total: grossAmount,
    };
  }
  // Seed-part1 §2.9: final = max(ConnectionFee, CostWithoutConnectionFee); the difference to what
  // was debited (fee at establishment + usage during the call) is refunded. Equal case (ambiguity 8):
  // final connection fee 0, the whole fee refunded; the final cost is the same either way.
  const total = Math.max(connectionCharge, usageAmount);
  return {
    connectionCharge, billableMs, periods, chargedSeconds: periods * t.chargePeriod, usageAmount, grossAmount,
    deductibleConnectionFee, finalConnectionFee: total - usageAmount, refund: grossAmount - total, total,
  };
}

/** Validation of a rate's numbers; returns a reason or undefined. */
export function rateProblem(r: Tariff): string | undefined {
  if (!Number.isSafeInteger(r.connectionCharge) || r.connectionCharge < 0) return 'connectionCharge must be an integer amount ≥ 0';
  if (!Number.isSafeInteger(r.perMinuteRate) || r.perMinuteRate < 0) return 'perMinuteRate must be an integer amount ≥ 0';
  if (!Number.isSafeInteger(r.chargePeriod) || r.chargePeriod < 1) return 'chargePeriod must be an integer ≥ 1';
  if (!Number.isSafeInteger(r.intervalStart) || r.intervalStart < 0) return 'intervalStart must be an integer ≥ 0';
  return undefined;
}
