// Billing action routes the resource registry has no declaration for (no action extension point yet):
//
//   POST {lvl}/rating-plans/:id/simulate          price of a call on one plan           platform, brand
//   POST {lvl}/rating-plans/simulate              … on each plan (ratingPlanIds or all)  platform, brand
//   POST {lvl}/clients/:id/simulate               price for a client (its active profile) platform, brand, client*
//   POST {lvl}/carriers/:id/simulate              cost for a carrier                     platform, brand
//   POST {lvl}/lcr                                5-minute cost per carrier, cheapest first platform, brand
//   POST {lvl}/destination-rates/:id/imports      queue a CSV rate import (JSON or text/csv) platform, brand
//   GET  {lvl}/destination-rates/:id/imported-file the last imported CSV                  platform, brand
//   POST {lvl}/billable-calls/rerate              rerate calls not in an invoice         platform, brand
//   (* client level only with "display billing details")
//
// Every route authenticates like the registry routes, checks the restricted-admin privilege of the resource it
// acts on and finds rows through the caller's scope (tenancy/scope.ts): another brand's rows are 404.
// Wiring: `await registerBillingRoutes(app, { db, registry, tokens })` in src/api/server.ts after the resource routes.
import Type from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { formatMoney, type RateCsvColumns, type SimulationInput } from '../../../domain/rating/index.ts';
import type { CallerContext, Level } from '../../../domain/tenancy/caller.ts';
import type { Database } from '../../../store/schema/index.ts';
import { loadBrandCatalog, type BrandCatalog } from '../../../billing/catalog-loader.ts';
import type { CatalogCache } from '../../../billing/catalog-cache.ts';
import { lcrFor, simulateForCarrier, simulateForClient, simulateForPlan, type SimulationOutcome } from '../../../billing/simulate.ts';
import { rerateCalls } from '../../../billing/rater.ts';
import { enqueueRateImport, lastImportedFile } from '../../../jobs/rate-import/queue.ts';
import { authenticate, type TokenConfig } from '../../auth/sessions.ts';
import { requirePrivilege } from '../../auth/privileges.ts';
import { ApiError, validationError } from '../../errors.ts';
import type { ResourceRegistry } from '../../registry/registry.ts';
import type { Operation } from '../../registry/types.ts';
import { checkValue } from '../../registry/validate.ts';
import { scopedSelect } from '../../tenancy/scope.ts';
import { clientSeesBilling } from './common.ts';

export interface BillingRouteDeps {
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly registry: ResourceRegistry;
  readonly tokens: TokenConfig;
  /** Shared rating catalogs; without it each simulation loads the brand's catalog fresh. */
  readonly catalogs?: CatalogCache;
  /** Told when an import is queued (the in-process worker starts at once instead of at its next poll). */
  readonly importWorker?: { kick(): void };
}

export const SIMULATION = Type.Object({
  number: Type.String({ pattern: '^\\+[0-9]{1,15}$' }),
  at: Type.Optional(Type.String({ format: 'date-time' })),
  durationSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
  routingTag: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}#$' })),
  ratingPlanIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 })),
  carrierIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 })),
}, { additionalProperties: false });

const COLUMN = Type.Integer({ minimum: 0, maximum: 100 });
export const IMPORT = Type.Object({
  file: Type.String({ minLength: 1 }),
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  skipFirstLine: Type.Optional(Type.Boolean()),
  columns: Type.Optional(Type.Object({
    name: COLUMN, prefix: COLUMN, perMinuteRate: COLUMN, connectionCharge: COLUMN, chargePeriod: COLUMN, intervalStart: Type.Optional(COLUMN),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const RERATE = Type.Object({ ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false });

const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;
const COLUMN_NAMES = ['name', 'prefix', 'perMinuteRate', 'connectionCharge', 'chargePeriod', 'intervalStart'] as const;

function body<T>(schema: Parameters<typeof checkValue>[1], raw: unknown): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validationError([{ field: '', code: 'TYPE', message: 'the body must be a JSON object' }]);
  }
  const errs = checkValue('', schema, raw).map((e) => ({ ...e, field: e.field.replace(/^\/\//, '/').replace(/^\/$/, '') }));
  if (errs.length > 0) throw validationError(errs);
  return raw as T;
}

function routeId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw new ApiError('NOT_FOUND', 'not found');
  return Number(raw);
}

export async function registerBillingRoutes(root: FastifyInstance, deps: BillingRouteDeps): Promise<void> {
  // Encapsulated: the text/csv body parser applies to these routes only.
  await root.register(async (app) => billingRoutes(app, deps));
}

function billingRoutes(app: FastifyInstance, deps: BillingRouteDeps): void {
  const db = deps.db as Kysely<Database>;

  const callerFor = async (req: FastifyRequest, level: Level, resource: string, op: Operation): Promise<CallerContext> => {
    const { caller } = await authenticate(deps.db, deps.tokens, req.headers.authorization, [level]);
    await requirePrivilege(deps.db, caller, resource, op);
    return caller;
  };

  /** The row `id` of `resource` if the caller can see it, else 404. */
  const scopedRow = async (resource: string, caller: CallerContext, id: number): Promise<Record<string, unknown>> => {
    const r = deps.registry.get(resource);
    if (!r) throw new ApiError('NOT_IMPLEMENTED', `${resource} is not registered`);
    const row = (await scopedSelect(deps.db, r, caller).selectAll(r.table).where(`${r.table}.id`, '=', id).executeTakeFirst()) as Record<string, unknown> | undefined;
    if (!row) throw new ApiError('NOT_FOUND', `${resource} ${id} not found`);
    return row;
  };

  const catalogOf = async (brandId: number): Promise<BrandCatalog> =>
    deps.catalogs ? deps.catalogs.get(brandId) : loadBrandCatalog(db, brandId);

  const simInput = (b: { number: string; at?: string; durationSeconds?: number; routingTag?: string }): SimulationInput => ({
    number: b.number, at: b.at === undefined ? undefined : Date.parse(b.at), durationSeconds: b.durationSeconds ?? 60, routingTag: b.routingTag,
  });

  for (const level of ['platform', 'brand'] as const) {
    const base = `/api/${level}`;

    app.post(`${base}/rating-plans/:id/simulate`, async (req) => {
      const caller = await callerFor(req, level, 'ratingPlans', 'get');
      const plan = await scopedRow('ratingPlans', caller, routeId(req));
      const b = body<{ number: string; at?: string; durationSeconds?: number }>(SIMULATION, req.body);
      const catalog = await catalogOf(plan.brandId as number);
      return simulationJson(simulateForPlan(catalog, plan.id as number, simInput(b), Date.now()), 'price');
    });

    app.post(`${base}/rating-plans/simulate`, async (req) => {
      const caller = await callerFor(req, level, 'ratingPlans', 'list');
      const b = body<{ number: string; at?: string; durationSeconds?: number; ratingPlanIds?: number[] }>(SIMULATION, req.body);
      const r = deps.registry.get('ratingPlans');
      if (!r) throw new ApiError('NOT_IMPLEMENTED', 'ratingPlans is not registered');
      let q = scopedSelect(deps.db, r, caller).select(['ratingPlans.id', 'ratingPlans.brandId', 'ratingPlans.name']);
      if (b.ratingPlanIds) q = q.where('ratingPlans.id', 'in', b.ratingPlanIds);
      const plans = (await q.orderBy('ratingPlans.name').limit(1000).execute()) as Array<{ id: number; brandId: number; name: string }>;
      if (b.ratingPlanIds) {
        const missing = b.ratingPlanIds.filter((id) => !plans.some((p) => p.id === id));
        if (missing.length > 0) throw new ApiError('NOT_FOUND', `rating plans ${missing.join(', ')} not found`);
      }
      const items = [];
      for (const p of plans) {
        const catalog = await catalogOf(p.brandId);
        items.push({ ratingPlanId: p.id, name: p.name, ...simulationJson(simulateForPlan(catalog, p.id, simInput(b), Date.now()), 'price') });
      }
      return { items };
    });

    app.post(`${base}/carriers/:id/simulate`, async (req) => {
      const caller = await callerFor(req, level, 'carriers', 'get');
      const carrier = await scopedRow('carriers', caller, routeId(req));
      const b = body<{ number: string; at?: string; durationSeconds?: number }>(SIMULATION, req.body);
      const catalog = await catalogOf(carrier.brandId as number);
      return simulationJson(simulateForCarrier(catalog, carrier.id as number, simInput(b), Date.now()), 'cost');
    });

    app.post(`${base}/lcr`, async (req) => {
      const caller = await callerFor(req, level, 'carriers', 'list');
      const b = body<{ number: string; at?: string; carrierIds?: number[] }>(SIMULATION, req.body);
      const r = deps.registry.get('carriers');
      if (!r) throw new ApiError('NOT_IMPLEMENTED', 'carriers is not registered');
      let q = scopedSelect(deps.db, r, caller).select(['carriers.id', 'carriers.brandId']);
      if (b.carrierIds) q = q.where('carriers.id', 'in', b.carrierIds);
      const carriers = (await q.execute()) as Array<{ id: number; brandId: number }>;
      if (b.carrierIds && carriers.length !== new Set(b.carrierIds).size) throw new ApiError('NOT_FOUND', 'some carriers were not found');
      const brands = [...new Set(carriers.map((c) => c.brandId))];
      if (brands.length > 1) throw validationError([{ field: '/carrierIds', code: 'SEVERAL_BRANDS', message: 'carriers of one brand only' }]);
      if (brands.length === 0) return { ordered: [], excluded: [] };
      const catalog = await catalogOf(brands[0] as number);
      const out = lcrFor(catalog, carriers.map((c) => c.id), { number: b.number, at: b.at === undefined ? Date.now() : Date.parse(b.at) });
      return { durationSeconds: 300, ordered: out.ordered.map((e) => ({ ...e, cost: formatMoney(e.cost) })), excluded: out.excluded };
    });

    app.post(`${base}/destination-rates/:id/imports`, { bodyLimit: IMPORT_BODY_LIMIT }, async (req, reply) => {
      const caller = await callerFor(req, level, 'destinationRates', 'update');
      const dr = await scopedRow('destinationRates', caller, routeId(req));
      const input = importInput(req);
      const id = await enqueueRateImport(db, { brandId: dr.brandId as number, destinationRateId: dr.id as number, ...input });
      deps.importWorker?.kick();
      const job = await db.selectFrom('rateImports').select(['id', 'status', 'destinationRateId', 'fileName', 'totalLines', 'createdAt'])
        .where('id', '=', id).executeTakeFirstOrThrow();
      return reply.code(202).header('location', `${base}/rate-imports/${id}`).send(job);
    });

    app.get(`${base}/destination-rates/:id/imported-file`, async (req, reply) => {
      const caller = await callerFor(req, level, 'destinationRates', 'get');
      const dr = await scopedRow('destinationRates', caller, routeId(req));
      const f = await lastImportedFile(db, dr.id as number);
      if (!f) throw new ApiError('NOT_FOUND', 'nothing was imported into this destination rate yet');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${f.fileName.replace(/["\\\r\n]/g, '_')}"`)
        .send(f.file);
    });

    app.post(`${base}/billable-calls/rerate`, async (req, reply) => {
      const caller = await callerFor(req, level, 'billableCalls', 'update');
      const b = body<{ ids: number[] }>(RERATE, req.body);
      const r = deps.registry.get('billableCalls');
      if (!r) throw new ApiError('NOT_IMPLEMENTED', 'billableCalls is not registered');
      const visible = (await scopedSelect(deps.db, r, caller).select(['billableCalls.id', 'billableCalls.brandId'])
        .where('billableCalls.id', 'in', b.ids).execute()) as Array<{ id: number | string; brandId: number }>;
      const missing = b.ids.filter((id) => !visible.some((v) => Number(v.id) === id));
      if (missing.length > 0) throw new ApiError('NOT_FOUND', `billable calls ${missing.join(', ')} not found`);
      const brands = [...new Set(visible.map((v) => v.brandId))];
      if (brands.length !== 1) throw validationError([{ field: '/ids', code: 'SEVERAL_BRANDS', message: 'calls of one brand only' }]);
      const out = await rerateCalls(db, brands[0] as number, b.ids);
      if (!out.ok) {
        const why = out.code === 'invoiced' ? 'in an invoice (delete the invoice first)' : out.code === 'inbound' ? 'inbound (not rated)' : 'not found';
        throw new ApiError('CONFLICT', `calls ${out.ids.join(', ')} are ${why}`, out.ids.map((id) => ({ field: '/ids', code: out.code.toUpperCase(), message: `call ${id} is ${why}` })));
      }
      return reply.code(202).send({ queued: out.queued });
    });
  }

  for (const level of ['platform', 'brand', 'client'] as const) {
    app.post(`/api/${level}/clients/:id/simulate`, async (req) => {
      const caller = await callerFor(req, level, 'clients', 'get');
      const client = await scopedRow('clients', caller, routeId(req));
      if (!(await clientSeesBilling(db, caller))) throw new ApiError('FORBIDDEN', 'billing details are not displayed to this client');
      const b = body<{ number: string; at?: string; durationSeconds?: number; routingTag?: string }>(SIMULATION, req.body);
      const catalog = await catalogOf(client.brandId as number);
      return simulationJson(simulateForClient(catalog, client.id as number, simInput(b), Date.now()), 'price');
    });
  }

  // Raw CSV uploads: the body is the file (query: fileName, skipFirstLine, columns=name,prefix,… in file order).
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_req, text, done) => done(null, text));
}

function importInput(req: FastifyRequest): { file: string; fileName: string; skipFirstLine: boolean; columns?: RateCsvColumns } {
  if (typeof req.body === 'string') {
    const q = req.query as Record<string, string | undefined>;
    const columns = q.columns === undefined ? undefined : columnsFromOrder(q.columns);
    return {
      file: req.body, fileName: q.fileName ?? 'rates.csv', skipFirstLine: q.skipFirstLine === 'true' || q.skipFirstLine === '1',
      ...(columns ? { columns } : {}),
    };
  }
  const b = body<{ file: string; fileName?: string; skipFirstLine?: boolean; columns?: RateCsvColumns }>(IMPORT, req.body);
  return { file: b.file, fileName: b.fileName ?? 'rates.csv', skipFirstLine: b.skipFirstLine ?? false, ...(b.columns ? { columns: b.columns } : {}) };
}

/** 'prefix,name,perMinuteRate,connectionCharge,chargePeriod' → 0-based indexes; '-' or '' skips a file column. */
function columnsFromOrder(text: string): RateCsvColumns {
  const idx: Partial<Record<(typeof COLUMN_NAMES)[number], number>> = {};
  text.split(',').forEach((raw, i) => {
    const name = raw.trim();
    if (name === '' || name === '-') return;
    if (!(COLUMN_NAMES as readonly string[]).includes(name)) {
      throw validationError([{ field: '/query/columns', code: 'UNKNOWN_COLUMN', message: `unknown column ${name}` }]);
    }
    idx[name as (typeof COLUMN_NAMES)[number]] = i;
  });
  const need = COLUMN_NAMES.filter((n) => n !== 'intervalStart' && idx[n] === undefined);
  if (need.length > 0) throw validationError([{ field: '/query/columns', code: 'MISSING_COLUMN', message: `columns needs ${need.join(', ')}` }]);
  return idx as RateCsvColumns;
}

/** Outcome → JSON: amounts as money strings; `what` names the total ('price' for clients and plans, 'cost' for carriers). */
function simulationJson(o: SimulationOutcome, what: 'price' | 'cost'): Record<string, unknown> {
  if (!o.ok) return { ok: false, code: o.code, message: o.message };
  const c = o.charge;
  return {
    ok: true,
    ratingPlan: o.plan,
    destinationRate: o.destinationRate,
    destination: o.destination,
    rate: {
      prefix: o.rate.prefix, connectionCharge: formatMoney(o.rate.connectionCharge), intervalStart: o.rate.intervalStart,
      perMinuteRate: formatMoney(o.rate.perMinuteRate), chargePeriod: o.rate.chargePeriod,
    },
    [what]: formatMoney(c.total),
    charge: {
      connectionCharge: formatMoney(c.connectionCharge), usage: formatMoney(c.usageAmount), finalConnectionFee: formatMoney(c.finalConnectionFee),
      refund: formatMoney(c.refund), chargedSeconds: c.chargedSeconds, total: formatMoney(c.total),
    },
  };
}
