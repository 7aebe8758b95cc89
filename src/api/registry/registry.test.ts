import { test } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { ResourceRegistry, defineResource, extendResource } from './registry.ts';
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
