// Registers the REST routes of every resource at one level:
//   GET {path}  list · GET {path}/:id  get · POST {path}  create · PATCH|PUT {path}/:id  update · DELETE {path}/:id
// Every handler authenticates, checks restricted-admin privileges, then calls the generic CRUD (crud.ts), which
// scopes rows to the caller. No handler contains tenant logic of its own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CallerContext, Level } from '../../domain/tenancy/caller.ts';
import { authenticate, type TokenConfig } from '../auth/sessions.ts';
import { requirePrivilege } from '../auth/privileges.ts';
import { allows, resourcePaths, type Resource } from './registry.ts';
import { createRow, deleteRow, getRow, listRows, updateRow, type CrudDeps } from './crud.ts';
import type { Operation } from './types.ts';

export interface ResourceRouteDeps extends CrudDeps {
  readonly tokens: TokenConfig;
}

export function registerResourceRoutes(app: FastifyInstance, level: Level, resources: readonly Resource[], deps: ResourceRouteDeps): void {
  const caller = async (req: FastifyRequest, r: Resource, op: Operation) => {
    const { caller: c } = await authenticate(deps.db, deps.tokens, req.headers.authorization, [level]);
    await requirePrivilege(deps.db, c, r.name, op);
    return c;
  };
  for (const r of resources) {
    for (const path of resourcePaths(r, level)) registerPath(app, level, r, `/api/${level}${path}`, caller, deps);
  }
}

type CallerOf = (req: FastifyRequest, r: Resource, op: Operation) => Promise<CallerContext>;

/** The routes of `r` under one base path (its own path, or an alias of it). */
function registerPath(app: FastifyInstance, level: Level, r: Resource, base: string, caller: CallerOf, deps: CrudDeps): void {
  if (allows(r, level, 'list')) {
    app.get(base, async (req, reply) => {
      const page = await listRows(deps, r, await caller(req, r, 'list'), req.query as Record<string, unknown>);
      if (!/application\/ld\+json/.test(req.headers.accept ?? '')) return page;
      // IvozProvider clients ask for JSON-LD (seed-part2 §2.27, S44): a Hydra collection of the same page.
      const type = r.name.charAt(0).toUpperCase() + r.name.slice(1);
      return reply.type('application/ld+json; charset=utf-8').send({
        '@context': 'http://www.w3.org/ns/hydra/context.jsonld',
        '@id': base,
        '@type': 'hydra:Collection',
        'hydra:member': page.items.map((i) => ({ '@id': `${base}/${String(i.id)}`, '@type': type, ...i })),
        'hydra:totalItems': page.total,
      });
    });
  }
  if (allows(r, level, 'get')) {
    app.get(`${base}/:id`, async (req) => getRow(deps, r, await caller(req, r, 'get'), (req.params as { id: string }).id));
  }
  if (allows(r, level, 'create')) {
    app.post(base, async (req, reply) => {
      const row = await createRow(deps, r, await caller(req, r, 'create'), req.body);
      return reply.code(201).header('location', `${base}/${String(row.id)}`).send(row);
    });
  }
  if (allows(r, level, 'update')) {
    const update = async (req: FastifyRequest) => updateRow(deps, r, await caller(req, r, 'update'), (req.params as { id: string }).id, req.body);
    app.patch(`${base}/:id`, update);
    app.put(`${base}/:id`, update);
  }
  if (allows(r, level, 'delete')) {
    app.delete(`${base}/:id`, async (req, reply) => {
      await deleteRow(deps, r, await caller(req, r, 'delete'), (req.params as { id: string }).id);
      return reply.code(204).send();
    });
  }
}
