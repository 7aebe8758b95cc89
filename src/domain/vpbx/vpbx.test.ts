import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkExtensionNumber,
  fromColumns,
  isSecureSipPassword,
  isSipUsername,
  normaliseMac,
  rejectionScope,
  toColumns,
  ROUTE_TYPES,
  type RouteTarget,
} from './index.ts';

describe('extension numbers (seed-part2 §1.4, S3)', () => {
  it('rejects 7 (too short) and 1a (not numeric), accepts 101 and 112', () => {
    assert.deepEqual(checkExtensionNumber('7'), { ok: false, code: 'EXTENSION_TOO_SHORT', message: 'extension numbers have at least 2 digits' });
    const r = checkExtensionNumber('1a');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'EXTENSION_NOT_NUMERIC');
    assert.equal(checkExtensionNumber('+34').ok, false);
    assert.equal(checkExtensionNumber('101').ok, true);
    assert.equal(checkExtensionNumber('00').ok, true);
    assert.equal(checkExtensionNumber('1'.repeat(21)).ok, false);
  });
});

describe('route targets', () => {
  it('round-trips every target through the columns', () => {
    const targets: RouteTarget[] = [
      { type: 'unassigned' },
      { type: 'number', number: '+34944048184' },
      ...ROUTE_TYPES.filter((t) => t !== 'unassigned' && t !== 'number').map((type, i) => ({ type, id: i + 1 }) as RouteTarget),
    ];
    for (const t of targets) {
      const cols = toColumns(t);
      assert.equal(Object.values(cols).filter((v) => v !== null).length, t.type === 'unassigned' ? 0 : 1);
      assert.deepEqual(fromColumns(t.type, cols), { ok: true, target: t });
    }
  });

  it('refuses a missing target, an extra column and an unknown type', () => {
    assert.deepEqual(fromColumns('user', {}), { ok: false, code: 'TARGET_MISSING', column: 'userId', message: 'userId is required when routeType is user' });
    const extra = fromColumns('user', { userId: 1, numberValue: '+1' });
    assert.equal(extra.ok, false);
    assert.equal(!extra.ok && extra.column, 'numberValue');
    assert.equal(fromColumns('unassigned', { userId: 3 }).ok, false);
    assert.equal(fromColumns('fax', {}).ok, false);
  });
});

describe('call rejection method (ambiguity 14)', () => {
  it('default: 600/603 cancel every device, 480/486 only the current one', () => {
    assert.equal(rejectionScope('default', 603), 'all');
    assert.equal(rejectionScope('default', 600), 'all');
    assert.equal(rejectionScope('default', 486), 'current');
    assert.equal(rejectionScope('default', 480), 'current');
  });
  it('forced methods ignore the status code', () => {
    for (const s of [480, 486, 600, 603]) {
      assert.equal(rejectionScope('reject-all', s), 'all');
      assert.equal(rejectionScope('reject-current', s), 'current');
    }
  });
});

describe('terminal fields', () => {
  it('normalises MAC addresses', () => {
    assert.equal(normaliseMac('AA:BB:CC:00:11:22'), 'aabbcc001122');
    assert.equal(normaliseMac('aa-bb-cc-00-11-22'), 'aabbcc001122');
    assert.equal(normaliseMac('aabb.cc00.1122'), 'aabbcc001122');
    assert.equal(normaliseMac('AABBCC001122'), 'aabbcc001122');
    assert.equal(normaliseMac('aa:bb-cc:00:11:22'), null);
    assert.equal(normaliseMac('aabbcc00112'), null);
    assert.equal(normaliseMac('gg:bb:cc:00:11:22'), null);
  });
  it('secure SIP password: ≥10 chars with upper, lower, digit', () => {
    assert.equal(isSecureSipPassword('Abcdefghi1'), true);
    assert.equal(isSecureSipPassword('Abcdefgh1'), false);
    assert.equal(isSecureSipPassword('abcdefghi1'), false);
    assert.equal(isSecureSipPassword('ABCDEFGHI1'), false);
    assert.equal(isSecureSipPassword('Abcdefghij'), false);
    assert.equal(isSecureSipPassword('Abcdefgh 1'), false);
    assert.equal(isSecureSipPassword('alice'), false);
  });
  it('SIP usernames use unreserved characters only', () => {
    assert.equal(isSipUsername('alice'), true);
    assert.equal(isSipUsername('b.o_b-1'), true);
    assert.equal(isSipUsername('a@b'), false);
    assert.equal(isSipUsername('a b'), false);
    assert.equal(isSipUsername(''), false);
  });
});
