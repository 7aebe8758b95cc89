import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCallerContext, targetHeaders } from './headers.ts';

const src = (h: Record<string, string>) => ({ get: (n: string) => h[n] });

test('caller context from the edge headers', () => {
  const r = readCallerContext(src({ 'X-Sy-Brand': '3', 'X-Sy-Client': '7', 'X-Sy-Caller': 'terminal;id=12;user=5', 'X-Sy-Source': '192.0.2.1:5060;transport=udp' }));
  assert.deepEqual(r, { ok: true, value: { brandId: 3, clientId: 7, terminalId: 12, userId: 5, source: '192.0.2.1:5060;transport=udp', kind: 'internal-origin' } });
  const noUser = readCallerContext(src({ 'X-Sy-Brand': '3', 'X-Sy-Client': '7', 'X-Sy-Caller': 'terminal;id=12' }));
  assert.ok(noUser.ok && noUser.value.userId === null);
});

test('missing or malformed internal headers are coded', () => {
  assert.deepEqual(readCallerContext(src({})), { ok: false, code: 'BAD_INTERNAL_HEADER', header: 'X-Sy-Brand' });
  assert.deepEqual(readCallerContext(src({ 'X-Sy-Brand': '3', 'X-Sy-Client': 'x' })), { ok: false, code: 'BAD_INTERNAL_HEADER', header: 'X-Sy-Client' });
  assert.deepEqual(readCallerContext(src({ 'X-Sy-Brand': '3', 'X-Sy-Client': '7', 'X-Sy-Caller': 'friend;id=1' })), { ok: false, code: 'BAD_INTERNAL_HEADER', header: 'X-Sy-Caller' });
  assert.deepEqual(readCallerContext(src({ 'X-Sy-Brand': '3', 'X-Sy-Client': '7', 'X-Sy-Caller': 'terminal;id=1;user=abc' })), { ok: false, code: 'BAD_INTERNAL_HEADER', header: 'X-Sy-Caller' });
});

test('B-leg target headers per the contract', () => {
  assert.deepEqual(targetHeaders({ terminalId: 4, clientId: 7, reject: 'reject-all', multiContact: false }), [
    ['X-Sy-Target', 'terminal;id=4'],
    ['X-Sy-Client', '7'],
    ['X-Sy-Reject', 'reject-all'],
    ['X-Sy-Multi-Contact', '0'],
  ]);
});
