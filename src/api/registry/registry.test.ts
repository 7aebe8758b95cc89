import { test } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { ResourceRegistry, defineResource, extendResource, resourcePaths } from './registry.ts';
import { parseId } from './crud.ts';
import { scopedSelect } from '../tenancy/scope.ts';
import type { CallerContext } from '../../domain/tenancy/caller.ts';
import { readableFields, writableFields, stampedColumns } from './fields.ts';
import { validateBody } from './validate.ts';
import { parseListQuery } from './query.ts';
import { idField, text, fk } from './field-helpers.ts';
import { ApiError } from '../errors.ts';

const things = defineResource({
  name: 'things',
  table: 'things',
  path: '/things',
  levels: { platform: ['list', 'get', 'create', 'update'], brand: ['list', 'get', 'create'] },
  owner: { brand: 'brandId' },
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    name: text(10, { required: true }),
    secretSauce: { schema: Type.String(), read: ['platform'], write: ['platform'], nullable: true },
    pin: { schema: Type.String(), writeOnly: true },
  },
});

test('registry: extensions add fields and chain hooks; bad declarations are refused', () => {
  const calls: string[] = [];
  const reg = new ResourceRegistry(
    [{ ...things, hooks: { prepare: () => void calls.push('own') } }],
    [extendResource('things', { fields: { tags: { schema: Type.Array(Type.String()), virtual: true } }, hooks: { prepare: () => void calls.push('ext') } })],
  );
  const r = reg.get('things');
  assert.ok(r?.fields.tags);
  assert.equal(r?.hooks.prepare.length, 2);
  assert.throws(() => new ResourceRegistry([things, { ...things, name: 'other' }]), /share path/);
  assert.throws(() => new ResourceRegistry([{ ...things, path: '/Things' }]), /kebab-case/);
  assert.throws(() => new ResourceRegistry([things], [extendResource('nope', {})]), /unknown resource/);
  assert.deepEqual(reg.forLevel('client'), []);
});

test('field visibility and stamping per level', () => {
  const reg = new ResourceRegistry([things]);
  const r = reg.get('things');
  assert.ok(r);
  assert.deepEqual(readableFields(r, 'platform').map(([n]) => n), ['id', 'brandId', 'name', 'secretSauce']);
  assert.deepEqual(readableFields(r, 'brand').map(([n]) => n), ['id', 'brandId', 'name']);
  assert.deepEqual(writableFields(r, 'brand', 'create').map(([n]) => n), ['name', 'pin']);
  assert.deepEqual(writableFields(r, 'platform', 'update').map(([n]) => n), ['name', 'secretSauce', 'pin']);
  assert.deepEqual([...stampedColumns(r, 'brand')], [['brandId', 'brand']]);
  assert.deepEqual([...stampedColumns(r, 'platform')], []);
});

test('body validation names every bad field', () => {
  const r = new ResourceRegistry([things]).get('things');
  assert.ok(r);
  assert.deepEqual(validateBody(r, 'brand', 'create', { name: 'x' }), { name: 'x' });
  try {
    validateBody(r, 'brand', 'create', { name: 'far too long name', secretSauce: 'x', id: 3, other: 1 });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.deepEqual(e.errors.map((x) => `${x.field}:${x.code}`).sort(), ['/id:READ_ONLY', '/name:MAXLENGTH', '/other:UNKNOWN_FIELD', '/secretSauce:UNKNOWN_FIELD']);
  }
  assert.throws(() => validateBody(r, 'platform', 'create', { name: 'x' }), (e: ApiError) => e.errors[0]?.field === '/brandId' && e.errors[0]?.code === 'REQUIRED');
  assert.throws(() => validateBody(r, 'platform', 'update', { brandId: 2 }), (e: ApiError) => e.errors[0]?.code === 'READ_ONLY');
});

test('list query parsing', () => {
  const r = new ResourceRegistry([things]).get('things');
  assert.ok(r);
  const q = parseListQuery(r, 'platform', { page: '2', pageSize: '10', order: '-name', 'name[like]': 'a%', 'id[in]': '1,2', brandId: '3' });
  assert.equal(q.page, 2);
  assert.equal(q.pageSize, 10);
  assert.deepEqual(q.order, [{ column: 'name', desc: true }, { column: 'id', desc: false }]);
  assert.deepEqual(q.filters.map((f) => [f.field, f.op, f.value]), [['name', 'like', 'a%'], ['id', 'in', [1, 2]], ['brandId', 'eq', 3]]);
  assert.throws(() => parseListQuery(r, 'brand', { secretSauce: 'x' }), (e: ApiError) => e.code === 'BAD_QUERY' && e.errors[0]?.field === '/query/secretSauce');
  assert.throws(() => parseListQuery(r, 'platform', { pin: 'x' }), (e: ApiError) => e.errors[0]?.code === 'UNKNOWN_PARAMETER');
  assert.throws(() => parseListQuery(r, 'platform', { page: ['1', '2'] }), (e: ApiError) => e.errors[0]?.code === 'REPEATED');
  assert.throws(() => parseListQuery(r, 'platform', { 'id[gte]': '1' }), (e: ApiError) => e.errors[0]?.code === 'FILTER_NOT_ALLOWED');
});

test('aliases: extra paths per level, validated like paths, never shared with another resource', () => {
  const clients = defineResource({ ...things, name: 'clients', path: '/clients', aliases: [{ path: '/companies', levels: ['platform'] }] });
  const reg = new ResourceRegistry([clients]);
  const r = reg.get('clients');
  assert.ok(r);
  assert.deepEqual(resourcePaths(r, 'platform'), ['/clients', '/companies']);
  assert.deepEqual(resourcePaths(r, 'brand'), ['/clients']);
  assert.deepEqual(resourcePaths({ ...r, aliases: [{ path: '/companies' }] }, 'brand'), ['/clients', '/companies']);
  assert.throws(() => new ResourceRegistry([clients, { ...things, name: 'companies', path: '/companies' }]), /share path \/companies/);
  assert.throws(() => new ResourceRegistry([{ ...things, path: '/companies' }, clients]), /share path \/companies/);
  assert.throws(() => new ResourceRegistry([{ ...clients, aliases: [{ path: '/Companies' }] }]), /kebab-case/);
  assert.throws(() => new ResourceRegistry([{ ...clients, aliases: [{ path: '/clients' }] }]), /repeats a path/);
});

test('path ids: 0 and positive decimals, nothing else', () => {
  assert.equal(parseId('0'), 0);
  assert.equal(parseId('42'), 42);
  assert.equal(parseId('999999999999999'), 999999999999999);
  for (const bad of ['', '00', '01', '-1', '1e3', '1.0', ' 1', '0x10', '1000000000000000']) {
    assert.throws(() => parseId(bad), (e: ApiError) => e.code === 'NOT_FOUND', bad);
  }
});

test('scoping: shared null-owner rows are readable below platform, never writable', () => {
  const db = new Kysely<any>({ // eslint-disable-line @typescript-eslint/no-explicit-any
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const brand: CallerContext = { level: 'brand', adminId: 1, brandId: 7, clientId: null, userId: null, restricted: false, chain: [] };
  const god: CallerContext = { ...brand, level: 'platform', brandId: null };
  const shared = { ...things, sharedNullOwner: true };
  const where = (r: typeof things, c: CallerContext, mode?: 'read' | 'write') => {
    const q = scopedSelect(db, r, c, mode).select('things.id').compile();
    return [q.sql.replace(/^select "things"."id" from "things" where /, ''), q.parameters];
  };
  assert.deepEqual(where(shared, brand), ['("things"."brandId" = $1 or "things"."brandId" is null)', [7]]);
  assert.deepEqual(where(shared, brand, 'write'), ['"things"."brandId" = $1', [7]]);
  assert.deepEqual(where(things, brand), ['"things"."brandId" = $1', [7]]);
  assert.deepEqual(where(shared, god), ['true', []]);
  // A hop path: the row is shared when its first column is null.
  const hop = { ...shared, owner: { brand: { column: 'clientId', table: 'clients', path: 'brandId' } } };
  assert.match(String(where(hop, brand)[0]), /^\("things"\."clientId" in \(select .* or "things"\."clientId" is null\)$/);
  // Two owner levels: a client caller sees rows without any owner, not other brands' brand-level rows.
  const twoLevels = { ...shared, owner: { brand: 'brandId', client: 'clientId' } };
  const client: CallerContext = { ...brand, level: 'client', clientId: 9 };
  assert.deepEqual(where(twoLevels, client), ['("things"."clientId" = $1 or ("things"."brandId" is null and "things"."clientId" is null))', [9]]);
});
