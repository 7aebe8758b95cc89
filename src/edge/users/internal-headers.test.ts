import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../sip/message.ts';
import { addCallerHeaders, keepAllowedFromApp, readTargetHeaders, stripAllInternal } from './internal-headers.ts';

const req = (extra: Array<[string, string]>) =>
  createRequest({ method: 'INVITE', uri: 'sip:bob@a.example', headers: [['From', '<sip:a@a.example>;tag=1'], ['To', '<sip:bob@a.example>'], ...extra] });

test('phone side: every X-Sy-* goes, whatever its case', () => {
  const r = req([['X-Sy-Brand', '1'], ['x-sy-caller', 'terminal;id=9'], ['X-SY-Whatever', 'y'], ['X-Other', 'keep']]);
  assert.equal(stripAllInternal(r), 3);
  assert.deepEqual([...r.headers].map(([n]) => n), ['From', 'To', 'X-Other']);
});

test('app side: only the allow-listed headers stay', () => {
  const r = req([['X-Sy-Target', 'terminal;id=4'], ['X-Sy-Reject', 'reject-all'], ['X-Sy-Secret', 's'], ['X-Sy-Brand', '1']]);
  keepAllowedFromApp(r);
  assert.deepEqual([...r.headers].map(([n]) => n), ['From', 'To', 'X-Sy-Target', 'X-Sy-Reject']);
  assert.deepEqual(readTargetHeaders(r), { terminalId: 4, clientId: undefined, reject: 'reject-all', multiContact: undefined });
  assert.deepEqual(readTargetHeaders(req([['X-Sy-Reject', 'nope'], ['X-Sy-Multi-Contact', '0'], ['X-Sy-Client', '12']])), {
    terminalId: undefined, clientId: 12, reject: undefined, multiContact: false,
  });
});

test('caller headers (edge → app)', () => {
  const r = req([]);
  addCallerHeaders(r, { brandId: 1, clientId: 2, terminalId: 3, userId: null, source: { transport: 'TCP', host: '192.0.2.1', port: 5070 } });
  assert.equal(r.headers.get('X-Sy-Caller'), 'terminal;id=3');
  assert.equal(r.headers.get('X-Sy-Source'), '192.0.2.1:5070;transport=tcp');
  assert.equal(r.headers.get('X-Sy-Call-Kind'), 'internal-origin');
});
