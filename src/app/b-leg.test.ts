import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameAddr } from './b-leg.ts';
import { parseNameAddr } from '../sip/message.ts';

test('nameAddr: a display name from the portal cannot break the header line or the quoted-string', () => {
  assert.equal(nameAddr('Alice', '101', 'demo.example.com'), '"Alice" <sip:101@demo.example.com>');
  assert.equal(nameAddr(null, '101', 'd.example.com'), '<sip:101@d.example.com>');
  const injected = nameAddr('Bob\r\nCall-Info: <sip:x>;answer-after=0', '102', 'd.example.com');
  assert.equal(injected, '"BobCall-Info: <sip:x>;answer-after=0" <sip:102@d.example.com>');
  assert.equal(parseNameAddr(injected, 'SIP_ERR_BAD_FROM').displayName, 'BobCall-Info: <sip:x>;answer-after=0');
  assert.equal(nameAddr('Say "hi"\\ \t', '103', 'd.example.com'), '"Say hi" <sip:103@d.example.com>');
  assert.equal(nameAddr('\r\n', '104', 'd.example.com'), '<sip:104@d.example.com>', 'nothing left: no display name');
});
