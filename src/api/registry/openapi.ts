// OpenAPI 3.1 document of one level, generated from the registry: only the resources, operations and fields that
// level can see. JSON Schema 2020-12 is OpenAPI 3.1's schema dialect, so TypeBox schemas go in as they are.
import type { Level } from '../../domain/tenancy/caller.ts';
import { PROBLEM_SCHEMA } from '../errors.ts';
import { allows, resourcePaths, type Resource } from './registry.ts';
import { readableFields, writableFields } from './fields.ts';
import type { FieldDecl } from './types.ts';
import { MAX_PAGE_SIZE } from './query.ts';

type Json = Record<string, unknown>;

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function fieldSchema(f: FieldDecl, extra: Json = {}): Json {
  const s: Json = { ...(JSON.parse(JSON.stringify(f.schema)) as Json), ...extra };
  if (f.description) s.description = f.description;
  return f.nullable ? { anyOf: [s, { type: 'null' }] } : s;
}

function objectSchema(fields: Array<[string, FieldDecl]>, required: string[], extra: (f: FieldDecl) => Json = () => ({})): Json {
  const properties: Json = {};
  for (const [n, f] of fields) properties[n] = fieldSchema(f, extra(f));
  return { type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}) };
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

const ERROR_RESPONSES = {
  '400': problemResponse('Invalid request (field errors in `errors`)'),
  '401': problemResponse('Missing, invalid or expired token'),
  '403': problemResponse('Restricted administrator without the privilege, or a shared platform row (read-only)'),
  '404': problemResponse('Not found (or outside your tenant)'),
  '409': problemResponse('Unique value taken, or row still referenced'),
};

function listParameters(r: Resource, level: Level): Json[] {
  const params: Json[] = [
    { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
    { name: 'pageSize', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 } },
    { name: 'order', in: 'query', description: 'comma-separated fields, `-` for descending', schema: { type: 'string' } },
  ];
  for (const [n, f] of readableFields(r, level)) {
    const kinds = f.filter ?? (n === 'id' ? ['exact', 'in'] : []);
    if (kinds.includes('exact')) params.push({ name: n, in: 'query', schema: { type: 'string' } });
    if (kinds.includes('like')) params.push({ name: `${n}[like]`, in: 'query', description: 'case-insensitive substring', schema: { type: 'string' } });
    if (kinds.includes('in')) params.push({ name: `${n}[in]`, in: 'query', description: 'comma-separated values', schema: { type: 'string' } });
    if (kinds.includes('range')) for (const op of ['gte', 'lte', 'gt', 'lt']) params.push({ name: `${n}[${op}]`, in: 'query', schema: { type: 'string' } });
  }
  return params;
}

/** `/companies` → `Companies` (operationId suffix of an alias). */
function pascalPath(path: string): string {
  return path.slice(1).split('-').map(pascal).join('');
}

/**
 * The operations of a path item under an alias path: same schemas, operationIds named after the alias (they must
 * be unique in the document), and `x-alias-of` naming the resource's own path.
 */
function aliasOf(pathItem: Json, name: string, alias: string, own: string): Json {
  const out: Json = { 'x-alias-of': own };
  for (const [verb, op] of Object.entries(pathItem)) {
    const o = op as Json;
    const id = String(o.operationId);
    out[verb] = { ...o, operationId: `${id.slice(0, id.length - name.length)}${pascalPath(alias)}`, description: `Alias of \`${own}\`.` };
  }
  return out;
}

/** Builds the OpenAPI 3.1 document for `level`. `extraPaths` adds hand-written paths (auth). */
export function buildOpenApi(level: Level, resources: readonly Resource[], extraPaths: Json = {}): Json {
  const schemas: Json = { Problem: PROBLEM_SCHEMA };
  const paths: Json = { ...extraPaths };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } };
  const tags: Json[] = [];
  for (const r of resources) {
    const name = pascal(r.name);
    tags.push({ name: r.name, ...(r.description ? { description: r.description } : {}) });
    const readable = readableFields(r, level);
    schemas[name] = objectSchema(readable, [], (f) => (f.readOnly ? { readOnly: true } : {}));
    const sec = [{ bearer: [] }];
    const coll: Json = {};
    const item: Json = {};
    const ref = { $ref: `#/components/schemas/${name}` };
    if (allows(r, level, 'list')) {
      coll.get = {
        tags: [r.name], operationId: `list${name}`, summary: `List ${r.name}`, security: sec, parameters: listParameters(r, level),
        responses: {
          '200': { description: 'A page', content: { 'application/json': { schema: {
            type: 'object', required: ['items', 'total', 'page', 'pageSize'],
            properties: { items: { type: 'array', items: ref }, total: { type: 'integer' }, page: { type: 'integer' }, pageSize: { type: 'integer' } },
          } } } },
          ...ERROR_RESPONSES,
        },
      };
    }
    if (allows(r, level, 'create')) {
      const w = writableFields(r, level, 'create');
      schemas[`${name}Create`] = objectSchema(w, w.filter(([, f]) => f.required).map(([n]) => n));
      coll.post = {
        tags: [r.name], operationId: `create${name}`, summary: `Create one of ${r.name}`, security: sec,
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}Create` } } } },
        responses: { '201': { description: 'Created', content: { 'application/json': { schema: ref } } }, ...ERROR_RESPONSES },
      };
    }
    if (allows(r, level, 'get')) {
      item.get = { tags: [r.name], operationId: `get${name}`, security: sec, parameters: [idParam], responses: { '200': { description: 'The row', content: { 'application/json': { schema: ref } } }, ...ERROR_RESPONSES } };
    }
    if (allows(r, level, 'update')) {
      schemas[`${name}Update`] = objectSchema(writableFields(r, level, 'update'), []);
      const op = (verb: string) => ({
        tags: [r.name], operationId: `${verb}${name}`, summary: 'Partial update (PUT behaves like PATCH)', security: sec, parameters: [idParam],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}Update` } } } },
        responses: { '200': { description: 'Updated', content: { 'application/json': { schema: ref } } }, ...ERROR_RESPONSES },
      });
      item.patch = op('update');
      item.put = op('replace');
    }
    if (allows(r, level, 'delete')) {
      item.delete = { tags: [r.name], operationId: `delete${name}`, security: sec, parameters: [idParam], responses: { '204': { description: 'Deleted' }, ...ERROR_RESPONSES } };
    }
    if (Object.keys(coll).length > 0) paths[`/api/${level}${r.path}`] = coll;
    if (Object.keys(item).length > 0) paths[`/api/${level}${r.path}/{id}`] = item;
    for (const alias of resourcePaths(r, level).slice(1)) {
      const own = `/api/${level}${r.path}`;
      if (Object.keys(coll).length > 0) paths[`/api/${level}${alias}`] = aliasOf(coll, name, alias, own);
      if (Object.keys(item).length > 0) paths[`/api/${level}${alias}/{id}`] = aliasOf(item, name, alias, `${own}/{id}`);
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: `Switchyard ${level} API`, version: '0.1.0', description: `REST API of the ${level} level. Errors are RFC 9457 problem+json.` },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags,
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
