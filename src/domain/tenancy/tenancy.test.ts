import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerConstraint, ownerStamp, canEmulate, type CallerContext } from './caller.ts';
import { missingFeatures, brandNeedsSipDomain } from './features.ts';
import { inapplicableFields, clientTypeDefaults, checkClientRules } from './client-types.ts';

const base: CallerContext = { level: 'platform', adminId: 1, brandId: null, clientId: null, userId: null, restricted: false, chain: [] };
const brand: CallerContext = { ...base, level: 'brand', brandId: 7 };
const client: CallerContext = { ...base, level: 'client', brandId: 7, clientId: 70 };

test('owner constraint per level', () => {
  assert.deepEqual(ownerConstraint(base, { brand: true }), { kind: 'all' });
  assert.deepEqual(ownerConstraint(brand, { brand: true, client: true }), { kind: 'brand', id: 7 });
  assert.deepEqual(ownerConstraint(client, { brand: true, client: true }), { kind: 'client', id: 70 });
  assert.deepEqual(ownerConstraint(client, { brand: true }), { kind: 'brand', id: 7 });
  assert.deepEqual(ownerConstraint(brand, { client: true }), { kind: 'none' }, 'brand caller on a client-only path sees nothing');
  assert.deepEqual(ownerConstraint(brand, {}), { kind: 'all' }, 'global resources are visible');
  assert.deepEqual(ownerConstraint({ ...brand, brandId: null }, { brand: true }), { kind: 'none' }, 'fail closed');
});

test('owner stamp and emulation direction', () => {
  assert.deepEqual(ownerStamp(base), {});
  assert.deepEqual(ownerStamp(brand), { brand: 7 });
  assert.deepEqual(ownerStamp(client), { brand: 7, client: 70 });
  assert.equal(canEmulate('platform', 'brand'), true);
  assert.equal(canEmulate('brand', 'client'), true);
  assert.equal(canEmulate('client', 'brand'), false);
  assert.equal(canEmulate('brand', 'brand'), false);
});

test('features', () => {
  assert.deepEqual(missingFeatures(['queues', 'faxes'], ['faxes', 'vpbx']), ['queues']);
  assert.deepEqual(missingFeatures([], []), []);
  assert.equal(brandNeedsSipDomain(['vpbx']), false);
  assert.equal(brandNeedsSipDomain(['retail']), true);
});

test('client type matrix (seed-part1 §1.4)', () => {
  assert.deepEqual(inapplicableFields('wholesale', ['name', 'domain', 'ipFilter', 'numericTransformationSetId']), ['domain', 'ipFilter']);
  assert.deepEqual(inapplicableFields('retail', ['features', 'countryId']), ['features']);
  assert.deepEqual(inapplicableFields('vpbx', ['corporationId', 'applicationServerId', 'countryId']), ['countryId']);
  assert.equal(clientTypeDefaults('vpbx').distributeMethod, 'hash');
  assert.equal(clientTypeDefaults('retail').distributeMethod, undefined);
  assert.deepEqual(checkClientRules({ type: 'vpbx', domain: 'a.example.com', features: ['queues'], distributeMethod: 'hash' }), []);
  const codes = (e: ReturnType<typeof checkClientRules>) => e.map((x) => x.code).sort();
  assert.deepEqual(codes(checkClientRules({ type: 'vpbx', domain: 'a.example.com', distributeMethod: 'hash', applicationServerId: 1 })), ['REQUIRES_STATIC_DISTRIBUTION']);
  assert.deepEqual(codes(checkClientRules({ type: 'vpbx', domain: null })), ['REQUIRED']);
  assert.deepEqual(codes(checkClientRules({ type: 'residential', features: ['queues'] })), ['FEATURE_NOT_ASSIGNABLE']);
  assert.deepEqual(codes(checkClientRules({ type: 'vpbx', domain: 'a.example.com', distributeMethod: 'rr', features: ['conferences'] })), ['NOT_WITH_ROUND_ROBIN']);
});
