// Helpers for billing suites: an API server (with its billing action routes), and a small rating setup built
// through the API (destination, destination rate with rates, plan, profiles) on top of seedWorld's two brands.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Store } from '../../src/store/db.ts';
import type { Database } from '../../src/store/schema/index.ts';
import type { BillingRouteDeps } from '../../src/api/resources/billing/routes.ts';
import { buildTestApi, injectAs, ok, seedWorld, type World } from '../support/api.ts';

/** The API server (which registers the billing action routes) with optional shared billing services. */
export async function buildBillingApi(store: Store, extra: Pick<BillingRouteDeps, 'catalogs' | 'importWorker'> = {}): Promise<FastifyInstance> {
  return buildTestApi(store, { billing: extra });
}

export interface RatingSetup {
  destinationId: number;
  destinationRateId: number;
  rateId: number;
  planId: number;
  carrierId: number;
  clientProfileId: number;
  carrierProfileId: number;
}

export async function post(app: FastifyInstance, token: string, url: string, body: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return ok(await injectAs(app, token, 'POST', url, body), 201);
}

/**
 * Brand-level setup: destination +34 Spain, destination rate with +34 at `perMinute` (connection `connection`,
 * per second), a plan using it always, the client on it since 2020, a carrier (calculate cost) on it too.
 */
export async function setupRating(
  app: FastifyInstance,
  token: string,
  clientId: number,
  opts: { perMinute?: string; connection?: string; period?: number; name?: string } = {},
): Promise<RatingSetup> {
  const n = opts.name ?? 'Std';
  const destinationId = (await post(app, token, '/api/brand/destinations', { prefix: '+34', name: 'Spain' })).id;
  const destinationRateId = (await post(app, token, '/api/brand/destination-rates', { name: `${n} rates` })).id;
  const rateId = (await post(app, token, '/api/brand/rates', {
    destinationRateId, destinationId, perMinuteRate: opts.perMinute ?? '0.03', connectionCharge: opts.connection ?? '0', chargePeriod: opts.period ?? 1,
  })).id;
  const planId = (await post(app, token, '/api/brand/rating-plans', { name: `${n} plan`, rows: [{ destinationRateId, weight: 1, timing: 'always' }] })).id;
  const clientProfileId = (await post(app, token, '/api/brand/client-rating-profiles', { clientId, ratingPlanId: planId, activationTime: '2020-01-01T00:00:00Z' })).id;
  const carrierId = (await post(app, token, '/api/brand/carriers', { name: `${n} carrier`, calculateCost: true })).id;
  const carrierProfileId = (await post(app, token, '/api/brand/carrier-rating-profiles', { carrierId, ratingPlanId: planId, activationTime: '2020-01-01T00:00:00Z' })).id;
  return { destinationId, destinationRateId, rateId, planId, carrierId, clientProfileId, carrierProfileId };
}

export async function setBillingMethod(db: Kysely<Database>, clientId: number, billingMethod: 'postpaid' | 'prepaid' | 'pseudoprepaid' | 'none'): Promise<void> {
  await db.updateTable('clients').set({ billingMethod }).where('id', '=', clientId).execute();
}

export { seedWorld, type World };
