import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBadRequestReply } from './bad-request.ts';

const req = (head: string) => Buffer.from(head.replace(/\n/g, '\r\n') + '\r\n');

test('builds a 400 copying Via (all), From, To (+tag), Call-ID, CSeq verbatim', () => {
  const r = buildBadRequestReply(
    req(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2
v: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3
f: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: abc@host
CSeq: 1 FOO BAR
Content-Length: 0
`),
    400,
    'Bad CSeq',
  );
  assert.ok(r);
  const text = r.data.toString('latin1');
  assert.match(text, /^SIP\/2\.0 400 Bad CSeq\r\n/);
  assert.match(text, /Via: SIP\/2\.0\/UDP 10\.0\.0\.1;branch=z9hG4bK1, SIP\/2\.0\/UDP 10\.0\.0\.2;branch=z9hG4bK2\r\nVia: SIP\/2\.0\/UDP 10\.0\.0\.3;branch=z9hG4bK3\r\n/);
  assert.match(text, /From: <sip:alice@example.com>;tag=a1\r\n/);
  assert.match(text, /To: <sip:bob@example.com>;tag=[0-9a-f]+\r\n/);
  assert.match(text, /CSeq: 1 FOO BAR\r\n/);
  assert.ok(text.endsWith('Content-Length: 0\r\n\r\n'));
});

test('no response for responses, ACKs, or when a mandatory header is missing', () => {
  const base = 'Via: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 1 ACK\n';
  assert.equal(buildBadRequestReply(req(`ACK sip:c@d SIP/2.0\n${base}`), 400, 'Bad X'), undefined);
  assert.equal(buildBadRequestReply(req(`SIP/2.0 200 OK\n${base}`), 400, 'Bad X'), undefined);
  assert.equal(buildBadRequestReply(req('OPTIONS sip:c@d SIP/2.0\nVia: SIP/2.0/UDP h\nTo: <sip:c@d>\n'), 400, 'X'), undefined);
  assert.equal(buildBadRequestReply(Buffer.from([0, 1, 2, 3]), 400, 'X'), undefined);
  assert.equal(buildBadRequestReply(req(`OPTIONS sip:c@d SIP/2.0\n${base}`), 0, 'X'), undefined);
});

test('folded header lines are unfolded; values with control bytes are not echoed', () => {
  const ok = buildBadRequestReply(
    req('OPTIONS sip:c@d SIP/2.0\nVia: SIP/2.0/UDP h\n ;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 OPTIONS\n'),
    505,
    'Version Not Supported',
  );
  assert.match(ok!.data.toString('latin1'), /^SIP\/2\.0 505 Version Not Supported\r\nVia: SIP\/2\.0\/UDP h ;branch=z9hG4bK1\r\n/);
  assert.equal(
    buildBadRequestReply(req('OPTIONS sip:c@d SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@b>\u0000;tag=1\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 1 OPTIONS\n'), 400, 'X'),
    undefined,
  );
});
