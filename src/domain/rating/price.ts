// Pricing a call for a client (price) or a carrier (cost): active profile → plan → rate → charge.
// Unrateable calls are values with a code: "no rating plan, no call" (seed-part1 §2.8, S3).
import { activeProfile } from './profiles.ts';
import { selectRate, type CompiledPlan, type RatingCatalog } from './catalog.ts';
import type { CurrencyCode, Destination, Rate, RatingProfile } from './model.ts';
import { E164 } from './model.ts';
import { chargeCall, secondsToMs, type CallCharge } from './tariff.ts';

/** Who is rated: a client (price) or a carrier (cost), with its currency and rating profiles. */
export interface RatingSubject {
  readonly currency?: CurrencyCode | undefined;
  readonly profiles: readonly RatingProfile[];
}

export interface CallToRate {
  /** Callee in E.164 with '+'. */
  readonly number: string;
  /** Call start, UTC epoch milliseconds. */
  readonly startedAt: number;
  /** Duration in seconds (fractions allowed, read to the millisecond). */
  readonly durationSeconds: number;
  readonly routingTag?: string | undefined;
}

export type UnrateableCode =
  | 'invalid_number'
  | 'invalid_duration'
  | 'invalid_time'
  | 'no_active_profile'
  | 'unknown_rating_plan'
  | 'no_matching_rate'
  | 'currency_mismatch';

export interface Unrateable {
  readonly ok: false;
  readonly code: UnrateableCode;
  readonly message: string;
}

export interface Rated {
  readonly ok: true;
  readonly profile: RatingProfile | undefined;
  readonly plan: { readonly id: number; readonly name: string; readonly currency: CurrencyCode };
  readonly destinationRate: { readonly id: number; readonly name: string };
  readonly destination: Destination;
  readonly rate: Rate;
  readonly charge: CallCharge;
}

export type RatingOutcome = Rated | Unrateable;

/** Prices `call` for `subject` with the profile active at the call's start. */
export function price(catalog: RatingCatalog, subject: RatingSubject, call: CallToRate): RatingOutcome {
  const bad = checkCall(call);
  if (bad) return bad;
  const profile = activeProfile(subject.profiles, call.startedAt, call.routingTag);
  if (!profile) return unrateable('no_active_profile', 'no rating profile active at the call start');
  const plan = catalog.plans.get(profile.ratingPlanId);
  if (!plan) return unrateable('unknown_rating_plan', `rating plan ${profile.ratingPlanId} is not loaded`);
  if (subject.currency !== undefined && subject.currency !== plan.currency) {
    return unrateable('currency_mismatch', `rating plan ${plan.id} is in ${plan.currency}, subject in ${subject.currency}`);
  }
  return ratePlan(catalog, plan, call, profile);
}

/** "Simulate a call" on one plan (seed 002 L2373–2407): the price this plan would charge. */
export function priceWithPlan(catalog: RatingCatalog, plan: CompiledPlan, call: CallToRate): RatingOutcome {
  return checkCall(call) ?? ratePlan(catalog, plan, call, undefined);
}

function ratePlan(catalog: RatingCatalog, plan: CompiledPlan, call: CallToRate, profile: RatingProfile | undefined): RatingOutcome {
  const match = selectRate(plan, call.number, call.startedAt);
  if (!match) return unrateable('no_matching_rate', `rating plan ${plan.id} has no rate for ${call.number} at that time`);
  const dr = match.row.destinationRate;
  return {
    ok: true,
    profile,
    plan: { id: plan.id, name: plan.name, currency: plan.currency },
    destinationRate: { id: dr.id, name: dr.name },
    destination: { prefix: match.rate.prefix, name: catalog.destinationNames?.get(match.rate.prefix) ?? match.rate.prefix },
    rate: match.rate,
    charge: chargeCall(match.rate, secondsToMs(call.durationSeconds), dr.deductibleConnectionFee),
  };
}

function checkCall(call: CallToRate): Unrateable | undefined {
  if (!E164.test(call.number)) return unrateable('invalid_number', `not an E.164 number: ${call.number}`);
  if (!Number.isFinite(call.durationSeconds) || call.durationSeconds < 0) {
    return unrateable('invalid_duration', `bad duration ${call.durationSeconds}`);
  }
  if (!Number.isFinite(call.startedAt)) return unrateable('invalid_time', 'bad start time');
  return undefined;
}

function unrateable(code: UnrateableCode, message: string): Unrateable {
  return { ok: false, code, message };
}
