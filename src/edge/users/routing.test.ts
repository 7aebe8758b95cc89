import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, type SipRequest } from '../../sip/message.ts';
import { OwnAddresses } from './routing.ts';

function request(vias: string[]): SipRequest {
  const text = [
    'INVITE sip:102@example.com SIP/2.0',
    ...vias.map((v) => `Via: ${v}`),
    'Max-Forwards: 70',
    'From: <sip:101@example.com>;tag=a',
    'To: <sip:102@example.com>',
    'Call-ID: loop-1',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

test('loop detection (RFC 3261 §16.3 step 4): one of our Vias below the top one is a loop; the top Via alone never is', () => {
  const own = new OwnAddresses();
  own.add('192.0.2.10', 5060);
  own.add('127.0.0.1', 6061);
  // the sender's own Via only (a phone's request): nothing to check, even when it names one of our addresses
  assert.equal(own.hasOwnVia(request(['SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1'])), false);
  assert.equal(own.hasOwnVia(request(['SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-1', 'SIP/2.0/UDP 198.51.100.8;branch=z9hG4bK-2'])), false);
  // our Via further down, as its own field, in the same field as the top one, or without a port (the transport default)
  assert.equal(own.hasOwnVia(request(['SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-1', 'SIP/2.0/UDP 127.0.0.1:6061;branch=z9hG4bK-2'])), true);
  assert.equal(own.hasOwnVia(request(['SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-1, SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-2'])), true);
  assert.equal(own.hasOwnVia(request(['SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-1', 'SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-2'])), true);
});
