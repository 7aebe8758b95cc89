// Live authorisation math (seed-part1 §2.8, §2.10): "no rating plan, no call"; prepaid and
// pseudo-prepaid clients need a positive balance, and the call duration is limited to what the
// balance pays at establishment (ambiguity 9: applied to both methods). Postpaid: no limit.
// Billing method none: billing disabled, the call needs no rating.
import { mulDivCeil, type Money } from './money.ts';
import type { BillingMethod } from './model.ts';
import type { RatingOutcome, Rated, UnrateableCode } from './price.ts';
import type { Tariff } from './tariff.ts';

export type AuthorisationCode = UnrateableCode | 'no_balance' | 'insufficient_balance';

export type Authorisation =
  | { readonly ok: true; readonly rated: Rated | undefined; /** null = not limited by balance */ readonly maxDurationSeconds: number | null }
  | { readonly ok: false; readonly code: AuthorisationCode; readonly message: string };

export interface AuthorisationInput {
  readonly billingMethod: BillingMethod;
  /** Current balance (prepaid, pseudo-prepaid); ignored otherwise. */
  readonly balance?: Money | undefined;
  readonly rating: RatingOutcome;
}

export function authoriseCall(input: AuthorisationInput): Authorisation {
  const { billingMethod, rating } = input;
  if (billingMethod === 'none') return { ok: true, rated: rating.ok ? rating : undefined, maxDurationSeconds: null };
  if (!rating.ok) return { ok: false, code: rating.code, message: `not billable: ${rating.message}` };
  if (billingMethod === 'postpaid') return { ok: true, rated: rating, maxDurationSeconds: null };
  const balance = input.balance ?? 0;
  if (balance <= 0) return { ok: false, code: 'no_balance', message: 'balance is zero or negative' };
  const max = maxAffordableSeconds(rating.rate, rating.charge.deductibleConnectionFee, balance);
  if (max === 0) return { ok: false, code: 'insufficient_balance', message: 'balance does not pay the connection charge and one charge period' };
  return { ok: true, rated: rating, maxDurationSeconds: max };
}

/**
 * Longest call (whole seconds) whose charge fits `balance`: the connection charge first, then as
 * many charge periods as the rest pays, plus the free interval start. Returns null when the
 * usage is free (per-minute rate 0) and the connection charge fits, 0 when not even that fits.
 * With a deductible fee the final cost is max(fee, usage), so usage may use the whole balance.
 */
export function maxAffordableSeconds(t: Tariff, deductible: boolean, balance: Money): number | null {
  if (balance <= 0 || t.connectionCharge > balance) return 0;
  const budget = deductible ? balance : balance - t.connectionCharge;
  if (t.perMinuteRate === 0) return null;
  // Largest k with round_half_up(k·p·r/60) ≤ budget  ⇔  k·p·r/60 < budget + 1/2
  // ⇔  k < 60·(2·budget + 1) / (2·p·r)  ⇒  k = ceil(60·(2b+1) / (2pr)) − 1.
  const k = mulDivCeil(60, 2 * budget + 1, 2 * t.chargePeriod * t.perMinuteRate) - 1;
  if (k <= 0) return 0;
  return t.intervalStart + k * t.chargePeriod;
}
