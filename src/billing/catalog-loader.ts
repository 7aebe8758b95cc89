// Loads one brand's rating configuration from the store and compiles it with the pure engine
// (src/domain/rating): destination rates → prefix indexes, plans → compiled plans in the brand's timezone,
// clients and carriers → rating subjects. A handful of queries per brand, run once per configuration change
// (catalog-cache.ts); rating a call then needs no query.
import type { Kysely } from 'kysely';
import {
  compileDestinationRate,
  compileRatingPlan,
  type BillingMethod,
  type CompiledDestinationRate,
  type CompiledPlan,
  type EntityId,
  type Rate,
  type RatingCatalog,
  type RatingProfile,
  type Timing,
  type WeekGap,
} from '../domain/rating/index.ts';
import type { Database } from '../store/schema/index.ts';

export interface ClientBilling {
  readonly id: EntityId;
  readonly brandId: EntityId;
  readonly type: string;
  readonly name: string;
  readonly currency: string;
  readonly billingMethod: BillingMethod;
  readonly timeZone: string;
  /** Money; null or ≤ 0: no limit. */
  readonly maxDailyUsage: number | null;
  readonly email: string | null;
  readonly maxDailyUsageTemplateId: number | null;
  readonly displayBillingDetails: boolean;
  readonly profiles: readonly RatingProfile[];
  /** Routing tags enabled for the client ('12#'). */
  readonly routingTags: ReadonlySet<string>;
}

export interface CarrierBilling {
  readonly id: EntityId;
  readonly brandId: EntityId;
  readonly name: string;
  readonly currency: string;
  readonly calculateCost: boolean;
  readonly profiles: readonly RatingProfile[];
}

export interface PlanStatus {
  readonly id: EntityId;
  readonly gaps: readonly WeekGap[];
  /** Set when the plan could not be compiled (it then rates nothing). */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface BrandCatalog {
  readonly brandId: EntityId;
  /** billing_versions.version the catalog was built from. */
  readonly version: number;
  readonly timeZone: string;
  readonly rating: RatingCatalog;
  readonly plans: ReadonlyMap<EntityId, PlanStatus>;
  readonly clients: ReadonlyMap<EntityId, ClientBilling>;
  readonly carriers: ReadonlyMap<EntityId, CarrierBilling>;
  /** Destination rates that failed to compile (e.g. an invalid stored rate), by id. */
  readonly destinationRateErrors: ReadonlyMap<EntityId, string>;
}

type Db = Kysely<Database>;

export async function readVersion(db: Db, brandId: EntityId): Promise<number> {
  const r = await db.selectFrom('billingVersions').select('version').where('brandId', '=', brandId).executeTakeFirst();
  return r ? Number(r.version) : 0;
}

/** Builds a brand's catalog. `db` may be a transaction. */
export async function loadBrandCatalog(db: Db, brandId: EntityId): Promise<BrandCatalog> {
  const version = await readVersion(db, brandId);
  const brand = await db
    .selectFrom('brands')
    .innerJoin('timezones', 'timezones.id', 'brands.defaultTimezoneId')
    .select(['timezones.name as tz'])
    .where('brands.id', '=', brandId)
    .executeTakeFirst();
  const timeZone = brand?.tz ?? 'UTC';

  const drRows = await db
    .selectFrom('destinationRates')
    .innerJoin('currencies', 'currencies.id', 'destinationRates.currencyId')
    .select(['destinationRates.id', 'destinationRates.name', 'destinationRates.deductibleConnectionFee', 'currencies.code as currency'])
    .where('destinationRates.brandId', '=', brandId)
    .execute();
  const rateRows = await db
    .selectFrom('rates')
    .innerJoin('destinations', 'destinations.id', 'rates.destinationId')
    .innerJoin('destinationRates', 'destinationRates.id', 'rates.destinationRateId')
    .select([
      'rates.destinationRateId', 'destinations.prefix', 'rates.connectionCharge', 'rates.intervalStart',
      'rates.perMinuteRate', 'rates.chargePeriod',
    ])
    .where('destinationRates.brandId', '=', brandId)
    .execute();
  const ratesByDr = new Map<number, Rate[]>();
  for (const r of rateRows) {
    let list = ratesByDr.get(r.destinationRateId);
    if (!list) ratesByDr.set(r.destinationRateId, (list = []));
    list.push({
      prefix: r.prefix, connectionCharge: Number(r.connectionCharge), intervalStart: r.intervalStart,
      perMinuteRate: Number(r.perMinuteRate), chargePeriod: r.chargePeriod,
    });
  }
  const compiledDrs = new Map<EntityId, CompiledDestinationRate>();
  const destinationRateErrors = new Map<EntityId, string>();
  for (const dr of drRows) {
    const c = compileDestinationRate({
      id: dr.id, name: dr.name, currency: dr.currency, deductibleConnectionFee: dr.deductibleConnectionFee,
      rates: ratesByDr.get(dr.id) ?? [],
    });
    if (c.ok) compiledDrs.set(dr.id, c.value);
    else destinationRateErrors.set(dr.id, c.message);
  }

  const planRows = await db
    .selectFrom('ratingPlans')
    .innerJoin('currencies', 'currencies.id', 'ratingPlans.currencyId')
    .select(['ratingPlans.id', 'ratingPlans.name', 'currencies.code as currency'])
    .where('ratingPlans.brandId', '=', brandId)
    .execute();
  const rowRows = await db
    .selectFrom('ratingPlanRows')
    .innerJoin('ratingPlans', 'ratingPlans.id', 'ratingPlanRows.ratingPlanId')
    .select(['ratingPlanRows.ratingPlanId', 'ratingPlanRows.destinationRateId', 'ratingPlanRows.weight', 'ratingPlanRows.timing'])
    .where('ratingPlans.brandId', '=', brandId)
    .orderBy('ratingPlanRows.id')
    .execute();
  const compiledPlans = new Map<EntityId, CompiledPlan>();
  const plans = new Map<EntityId, PlanStatus>();
  for (const p of planRows) {
    const rows = rowRows
      .filter((r) => r.ratingPlanId === p.id)
      .map((r) => ({ destinationRateId: r.destinationRateId, weight: r.weight, timing: r.timing as Timing }));
    const c = compileRatingPlan({ id: p.id, name: p.name, currency: p.currency, rows }, compiledDrs, timeZone);
    if (c.ok) {
      compiledPlans.set(p.id, c.value);
      plans.set(p.id, { id: p.id, gaps: c.value.gaps });
    } else {
      plans.set(p.id, { id: p.id, gaps: [], error: { code: c.code, message: c.message } });
    }
  }

  const destRows = await db.selectFrom('destinations').select(['prefix', 'name']).where('brandId', '=', brandId).execute();
  const destinationNames = new Map(destRows.map((d) => [d.prefix, d.name]));

  const clients = await loadClients(db, brandId);
  const carriers = await loadCarriers(db, brandId);
  return {
    brandId, version, timeZone, rating: { plans: compiledPlans, destinationNames }, plans, clients, carriers, destinationRateErrors,
  };
}

async function loadClients(db: Db, brandId: EntityId): Promise<Map<EntityId, ClientBilling>> {
  const rows = await db
    .selectFrom('clients')
    .innerJoin('currencies', 'currencies.id', 'clients.currencyId')
    .innerJoin('timezones', 'timezones.id', 'clients.defaultTimezoneId')
    .select([
      'clients.id', 'clients.type', 'clients.name', 'clients.billingMethod', 'clients.maxDailyUsage', 'clients.email',
      'clients.maxDailyUsageNotificationTemplateId', 'clients.displayBillingDetails', 'currencies.code as currency',
      'timezones.name as tz',
    ])
    .where('clients.brandId', '=', brandId)
    .execute();
  const profiles = await db
    .selectFrom('clientRatingProfiles')
    .innerJoin('clients', 'clients.id', 'clientRatingProfiles.clientId')
    .leftJoin('routingTags', 'routingTags.id', 'clientRatingProfiles.routingTagId')
    .select(['clientRatingProfiles.clientId', 'clientRatingProfiles.ratingPlanId', 'clientRatingProfiles.activationTime', 'routingTags.tag'])
    .where('clients.brandId', '=', brandId)
    .execute();
  const tags = await db
    .selectFrom('clientRoutingTags')
    .innerJoin('routingTags', 'routingTags.id', 'clientRoutingTags.routingTagId')
    .select(['clientRoutingTags.clientId', 'routingTags.tag'])
    .where('routingTags.brandId', '=', brandId)
    .execute();
  const out = new Map<EntityId, ClientBilling>();
  for (const c of rows) {
    out.set(c.id, {
      id: c.id, brandId, type: c.type, name: c.name, currency: c.currency, billingMethod: c.billingMethod, timeZone: c.tz,
      maxDailyUsage: c.maxDailyUsage === null ? null : Number(c.maxDailyUsage), email: c.email,
      maxDailyUsageTemplateId: c.maxDailyUsageNotificationTemplateId, displayBillingDetails: c.displayBillingDetails,
      profiles: profiles
        .filter((p) => p.clientId === c.id)
        .map((p) => ({ ratingPlanId: p.ratingPlanId, activationTime: toMs(p.activationTime), routingTag: p.tag ?? undefined })),
      routingTags: new Set(tags.filter((t) => t.clientId === c.id).map((t) => t.tag)),
    });
  }
  return out;
}

async function loadCarriers(db: Db, brandId: EntityId): Promise<Map<EntityId, CarrierBilling>> {
  const rows = await db
    .selectFrom('carriers')
    .innerJoin('currencies', 'currencies.id', 'carriers.currencyId')
    .select(['carriers.id', 'carriers.name', 'carriers.calculateCost', 'currencies.code as currency'])
    .where('carriers.brandId', '=', brandId)
    .execute();
  const profiles = await db
    .selectFrom('carrierRatingProfiles')
    .innerJoin('carriers', 'carriers.id', 'carrierRatingProfiles.carrierId')
    .select(['carrierRatingProfiles.carrierId', 'carrierRatingProfiles.ratingPlanId', 'carrierRatingProfiles.activationTime'])
    .where('carriers.brandId', '=', brandId)
    .execute();
  const out = new Map<EntityId, CarrierBilling>();
  for (const c of rows) {
    out.set(c.id, {
      id: c.id, brandId, name: c.name, currency: c.currency, calculateCost: c.calculateCost,
      profiles: profiles
        .filter((p) => p.carrierId === c.id)
        .map((p) => ({ ratingPlanId: p.ratingPlanId, activationTime: toMs(p.activationTime) })),
    });
  }
  return out;
}

function toMs(d: Date | string): number {
  return d instanceof Date ? d.getTime() : Date.parse(d);
}
