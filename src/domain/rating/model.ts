// The rating model (seed-part1 §1.14): destinations, destination rates (groups of rates with one
// currency), rating plans (weighted, timed destination rates) and rating profiles (a client's or
// carrier's link to a plan from an activation time). Plain values, as the store will load them.
import type { Money } from './money.ts';

/** Store ids. One alias so the engine follows the store if it ever moves to strings. */
export type EntityId = number;

/** ISO 4217 code, e.g. 'EUR'. */
export type CurrencyCode = string;

/** A prefix always starts with '+' followed by digits (seed 002 L2614–2626). */
export interface Destination {
  readonly prefix: string;
  readonly name: string;
}

/**
 * One "rate" of a destination rate (seed 002 L2518–2538). Amounts are Money (1/10000 units);
 * `perMinuteRate` is Money per 60 s; `intervalStart` and `chargePeriod` are whole seconds.
 */
export interface Rate {
  readonly prefix: string;
  readonly connectionCharge: Money;
  readonly intervalStart: number;
  readonly perMinuteRate: Money;
  readonly chargePeriod: number;
}

export interface DestinationRate {
  readonly id: EntityId;
  readonly name: string;
  readonly currency: CurrencyCode;
  /** Yes ⇒ the connection fee is a minimal cost (seed-part1 §2.9). */
  readonly deductibleConnectionFee: boolean;
  readonly rates: readonly Rate[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * A weekly window in the plan's timezone. `from`/`to` are local wall-clock 'HH:MM' or 'HH:MM:SS',
 * `to` exclusive and '24:00' allowed. `from > to` crosses midnight: the window starts on each
 * listed day and ends on the following day.
 */
export interface WeeklyWindow {
  readonly days: readonly Weekday[];
  readonly from: string;
  readonly to: string;
}

export type Timing = 'always' | { readonly kind: 'weekly'; readonly windows: readonly WeeklyWindow[] };

export interface RatingPlanRow {
  readonly destinationRateId: EntityId;
  readonly weight: number;
  readonly timing: Timing;
}

export interface RatingPlan {
  readonly id: EntityId;
  readonly name: string;
  readonly currency: CurrencyCode;
  readonly rows: readonly RatingPlanRow[];
}

/** Link of a client or carrier to a rating plan. `activationTime` is UTC epoch milliseconds. */
export interface RatingProfile {
  readonly ratingPlanId: EntityId;
  readonly activationTime: number;
  /** Client profiles only (retail and wholesale): the routing tag, e.g. '12#'. */
  readonly routingTag?: string | undefined;
}

export type BillingMethod = 'none' | 'postpaid' | 'pseudoprepaid' | 'prepaid';

/** E.164 with '+', 1–15 digits (ITU-T E.164 §6). */
export const E164 = /^\+[0-9]{1,15}$/;
/** A destination prefix: '+' and 1–15 digits. */
export const PREFIX = /^\+[0-9]{1,15}$/;
