import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownString } from './own-string.ts';

test('ownString: same characters, for short, long, sliced and concatenated strings', () => {
  const text = `INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-${Math.random()}\r\n`;
  const branch = text.slice(text.indexOf('z9hG4bK'), text.lastIndexOf('\r'));
  for (const s of ['', 'INVITE', branch, `${branch}|10.0.0.1:|INVITE`, 'é€😀'.repeat(9)]) assert.equal(ownString(s), s);
});
