// The API server: four levels (/api/platform, /api/brand, /api/client, /api/user), each with auth routes, the
// registry's resource routes, an OpenAPI 3.1 document (/api/<level>/openapi.json) and Swagger UI (/api/<level>/docs).
// Errors of any kind leave as RFC 9457 problem+json and are logged (without bodies: they may hold passwords).
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Store } from '../store/db.ts';
import { LEVELS, type Level } from '../domain/tenancy/caller.ts';
import { ApiError } from './errors.ts';
import { loadRegistry, type ResourceRegistry } from './registry/registry.ts';
import { registerResourceRoutes } from './registry/routes.ts';
import { buildOpenApi } from './registry/openapi.ts';
import { registerAuthRoutes } from './auth/routes.ts';
import { authPaths } from './auth/openapi-paths.ts';
import { billingPaths } from './resources/billing/openapi-paths.ts';
import type { TokenConfig } from './auth/sessions.ts';
import { registerDocs } from './docs.ts';
import { setPasswordHashCost } from './auth/passwords.ts';
import { registerPrivilegeRoutes } from './auth/privilege-routes.ts';
import { registerBillingRoutes, type BillingRouteDeps } from './resources/billing/routes.ts';

export interface ApiConfig {
  /** HS256 secret for access tokens (the CLI generates and persists one in the data dir). */
  jwtSecret: string;
  /** Access token lifetime, default 3600 s (IvozProvider's 1 h). */
  accessTtlSeconds?: number;
  /** Refresh token / session lifetime, default 30 days. */
  refreshTtlSeconds?: number;
  /** Fastify logger option; default off. */
  logger?: FastifyServerOptions['logger'];
  /** Clock in ms, for tests of expiry. */
  now?: () => number;
  /** scrypt cost for new password hashes (default N=16384, r=8, p=1). Tests lower it; process-wide. */
  passwordHashCost?: { N: number; r: number; p: number };
  /** Folder of resource modules (default src/api/resources). */
  resourcesDir?: string;
  /** Shared billing services for the billing action routes (rating catalogs, the in-process import worker). */
  billing?: Pick<BillingRouteDeps, 'catalogs' | 'importWorker'>;
}

export interface ApiDeps {
  /** An open store (src/store/db.ts `openStore`); only its `db` is used. */
  store: Pick<Store, 'db'>;
  config: ApiConfig;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The resource registry this server serves (for the CLI/portal and tests). */
    registry: ResourceRegistry;
  }
}

function problemFromFastify(err: { statusCode?: number; code?: string; message: string }): ApiError {
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError('UNSUPPORTED_MEDIA_TYPE', err.message);
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('PAYLOAD_TOO_LARGE', err.message);
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
    return new ApiError('BAD_JSON', err.message);
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new ApiError('VALIDATION_FAILED', err.message);
  return new ApiError('INTERNAL', 'internal error');
}

/**
 * Builds (does not start) the API server on an open store. Call `app.listen()` or use `app.inject()`.
 * `store.db` is the store's Kysely instance (src/store/db.ts `openStore`).
 */
export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const { config } = deps;
  if (!config.jwtSecret || config.jwtSecret.length < 16) throw new Error('buildApiServer: jwtSecret must be at least 16 characters');
  const db = deps.store.db as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const tokens: TokenConfig = {
    jwtSecret: config.jwtSecret,
    accessTtlSeconds: config.accessTtlSeconds ?? 3600,
    refreshTtlSeconds: config.refreshTtlSeconds ?? 30 * 24 * 3600,
    now: config.now ?? Date.now,
  };
  if (config.passwordHashCost) setPasswordHashCost(config.passwordHashCost);
  const registry = await loadRegistry(config.resourcesDir);
  const app = Fastify({ logger: config.logger ?? false, bodyLimit: 4 * 1024 * 1024 });
  app.decorate('registry', registry);

  app.setErrorHandler((err, req, reply) => {
    const e = err instanceof ApiError ? err : problemFromFastify(err as { statusCode?: number; code?: string; message: string });
    if (e.status >= 500) req.log.error({ err, url: req.url, method: req.method }, 'request failed');
    else req.log.warn({ code: e.code, status: e.status, url: req.url, method: req.method, errors: e.errors }, e.message);
    return reply.code(e.status).type('application/problem+json').send(e.toProblem());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`);
    req.log.warn({ code: e.code, url: req.url, method: req.method }, e.message);
    return reply.code(404).type('application/problem+json').send(e.toProblem());
  });

  for (const level of LEVELS as Level[]) {
    const resources = registry.forLevel(level);
    registerAuthRoutes(app, level, { db, tokens });
    registerResourceRoutes(app, level, resources, { db, registry, tokens });
    registerPrivilegeRoutes(app, level, { db, registry, tokens });
    const doc = buildOpenApi(level, resources, { ...authPaths(level), ...billingPaths(level) });
    app.get(`/api/${level}/openapi.json`, async () => doc);
  }
  // Action routes the registry cannot declare (simulate, LCR, rate imports, rerate); described by billingPaths.
  await registerBillingRoutes(app, { db, registry, tokens, ...config.billing });
  registerDocs(app, LEVELS);
  return app;
}
