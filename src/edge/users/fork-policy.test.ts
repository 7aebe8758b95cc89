import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestResponse, branchOutcome, upstreamStatus } from './fork-policy.ts';

test('branch outcome per rejection method (calls contract fork policy)', () => {
  assert.equal(branchOutcome('default', 200), 'answer');
  assert.equal(branchOutcome('default', 603), 'end-fork');
  assert.equal(branchOutcome('default', 600), 'end-fork');
  assert.equal(branchOutcome('default', 486), 'end-branch');
  assert.equal(branchOutcome('default', 480), 'end-branch');
  assert.equal(branchOutcome('reject-all', 486), 'end-fork');
  assert.equal(branchOutcome('reject-all', 404), 'end-fork');
  assert.equal(branchOutcome('reject-current', 603), 'end-branch');
  // the edge's own timeouts / transport errors never end the fork
  assert.equal(branchOutcome('reject-all', 408, true), 'end-branch');
  assert.equal(branchOutcome('reject-all', 503, true), 'end-branch');
  assert.equal(branchOutcome('default', 302), 'end-branch');
});

test('best response: 6xx first, then lowest class, informative over weak (RFC 3261 §16.7 step 6)', () => {
  const r = (status: number) => ({ status });
  assert.equal(bestResponse([r(486), r(603)])?.status, 603);
  assert.equal(bestResponse([r(500), r(486)])?.status, 486);
  assert.equal(bestResponse([r(480), r(486)])?.status, 486);
  assert.equal(bestResponse([r(486), r(480)])?.status, 486);
  assert.equal(bestResponse([r(408), r(487)])?.status, 408);
  assert.equal(bestResponse([r(603), r(480)], 'reject-current')?.status, 603, 'same class under reject-current: first informative');
  assert.equal(bestResponse([r(480), r(503)], 'reject-current')?.status, 480);
  assert.equal(bestResponse([]), undefined);
});

test('upstream status: 503 → 500; 6xx → 486 under reject-current', () => {
  assert.deepEqual(upstreamStatus(503), { status: 500, reason: 'Server Internal Error' });
  assert.deepEqual(upstreamStatus(603, 'reject-current'), { status: 486, reason: 'Busy Here' });
  assert.deepEqual(upstreamStatus(603), { status: 603 });
  assert.deepEqual(upstreamStatus(486, 'reject-current'), { status: 486 });
});
