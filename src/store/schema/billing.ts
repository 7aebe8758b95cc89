// Billing tables (migration 0004_billing), owned by the billing module (src/billing, src/api/resources/*rat*,
// src/jobs/rate-import). Columns are camelCase here, snake_case in SQL (CamelCasePlugin).
// Money: integer counts of 1/10000 of the currency unit (int8 → number). Time: UTC.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface CarriersTable {
  id: Generated<number>;
  brandId: number;
  name: string;
  description: string | null;
  currencyId: number;
  /** Cost computed with the carrier's active rating profile; enables its balance (seed-part1 §1.7). */
  calculateCost: Generated<boolean>;
}

export interface RoutingTagsTable {
  id: Generated<number>;
  brandId: number;
  name: string;
  /** 1–3 digits and '#' (seed-part1 §1.13). */
  tag: string;
}

export interface ClientRoutingTagsTable {
  clientId: number;
  routingTagId: number;
}

export interface DestinationsTable {
  id: Generated<number>;
  brandId: number;
  /** '+' and 1–15 digits. */
  prefix: string;
  name: string;
}

export interface DestinationRatesTable {
  id: Generated<number>;
  brandId: number;
  name: string;
  description: string | null;
  currencyId: number;
  deductibleConnectionFee: Generated<boolean>;
}

export interface RatesTable {
  id: Generated<number>;
  destinationRateId: number;
  destinationId: number;
  connectionCharge: Generated<number>;
  intervalStart: Generated<number>;
  perMinuteRate: number;
  chargePeriod: Generated<number>;
}

export interface RatingPlansTable {
  id: Generated<number>;
  brandId: number;
  name: string;
  description: string | null;
  currencyId: number;
}

export interface RatingPlanRowsTable {
  id: Generated<number>;
  ratingPlanId: number;
  destinationRateId: number;
  weight: Generated<number>;
  /** 'always' or { kind: 'weekly', windows: [...] } (src/domain/rating/model.ts Timing). */
  timing: ColumnType<unknown, string | undefined, string>;
}

export interface ClientRatingProfilesTable {
  id: Generated<number>;
  clientId: number;
  ratingPlanId: number;
  activationTime: Timestamp;
  routingTagId: number | null;
}

export interface CarrierRatingProfilesTable {
  id: Generated<number>;
  carrierId: number;
  ratingPlanId: number;
  activationTime: Timestamp;
}

export interface BalancesTable {
  id: Generated<number>;
  brandId: number;
  clientId: number | null;
  carrierId: number | null;
  amount: Generated<number>;
  /** Live reservations of prepaid calls in progress. */
  reserved: Generated<number>;
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type BalanceMovementKind = 'increase' | 'decrease' | 'call' | 'calls' | 'rerate';

export interface BalanceMovementsTable {
  id: Generated<number>;
  brandId: number;
  balanceId: number;
  clientId: number | null;
  carrierId: number | null;
  kind: BalanceMovementKind;
  /** Signed change of the balance. */
  amount: number;
  balanceAfter: number;
  /** Who: `admin:<username>`, `billing`, `rater`. */
  actor: string;
  reason: string | null;
  callId: string | null;
  createdAt: CreatedAt;
}

export interface BalanceNotificationsTable {
  id: Generated<number>;
  brandId: number;
  clientId: number | null;
  carrierId: number | null;
  threshold: number;
  email: string;
  notificationTemplateId: number | null;
  armed: Generated<boolean>;
}

export interface DailyUsagesTable {
  clientId: number;
  /** Local date in the client's timezone, 'YYYY-MM-DD'. */
  day: string;
  amount: Generated<number>;
  notified: Generated<boolean>;
}

export interface BillingOutboxTable {
  id: Generated<number>;
  kind: 'low_balance' | 'max_daily_usage';
  brandId: number;
  clientId: number | null;
  carrierId: number | null;
  email: string | null;
  notificationTemplateId: number | null;
  payload: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  createdAt: CreatedAt;
  sentAt: Timestamp | null;
}

export interface BillableCallsTable {
  id: Generated<number>;
  brandId: number;
  clientId: number | null;
  carrierId: number | null;
  callId: string;
  caller: string | null;
  /** E.164 with '+'. */
  callee: string;
  startTime: Timestamp;
  durationMs: number;
  direction: 'inbound' | 'outbound';
  routingTag: string | null;
  price: number | null;
  cost: number | null;
  ratingPlanId: number | null;
  carrierRatingPlanId: number | null;
  destinationPrefix: string | null;
  destinationName: string | null;
  /** Why the call could not be rated (an UnrateableCode), null when rated. */
  ratingError: string | null;
  ratedAt: Timestamp | null;
  invoiceId: number | null;
  /** What the rater has taken from the client's / carrier's balance for this call (rerating applies the difference). */
  clientDebited: Generated<number>;
  carrierDebited: Generated<number>;
}

export type RateImportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface RateImportsTable {
  id: Generated<number>;
  brandId: number;
  destinationRateId: number;
  status: Generated<RateImportStatus>;
  fileName: string;
  file: string;
  columns: JSONColumnType<Record<string, number> | null, string | null | undefined, string | null>;
  skipFirstLine: Generated<boolean>;
  /** Lines read so far. */
  progress: Generated<number>;
  totalLines: Generated<number>;
  errorCount: Generated<number>;
  errors: JSONColumnType<unknown[], string | undefined, string>;
  result: JSONColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  createdAt: CreatedAt;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  worker: string | null;
  heartbeatAt: Timestamp | null;
}

export interface BillingVersionsTable {
  brandId: number;
  version: Generated<number>;
}

export interface BillingTables {
  carriers: CarriersTable;
  routingTags: RoutingTagsTable;
  clientRoutingTags: ClientRoutingTagsTable;
  destinations: DestinationsTable;
  destinationRates: DestinationRatesTable;
  rates: RatesTable;
  ratingPlans: RatingPlansTable;
  ratingPlanRows: RatingPlanRowsTable;
  clientRatingProfiles: ClientRatingProfilesTable;
  carrierRatingProfiles: CarrierRatingProfilesTable;
  balances: BalancesTable;
  balanceMovements: BalanceMovementsTable;
  balanceNotifications: BalanceNotificationsTable;
  dailyUsages: DailyUsagesTable;
  billingOutbox: BillingOutboxTable;
  billableCalls: BillableCallsTable;
  rateImports: RateImportsTable;
  billingVersions: BillingVersionsTable;
}
