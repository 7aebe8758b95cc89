// Serializer fast paths (received bytes copied back for untouched lines) and lazily built header
// objects: the output must be exactly what the field-by-field serializer writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequest, parseMessage, type SipRequest, type SipResponse } from './message.ts';

const SAMPLES = join(import.meta.dirname, '../../test/sip/torture/samples');
const sample = (n: string): Buffer => readFileSync(join(SAMPLES, `${n}.dat`));

const REGISTER = [
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5062;rport;branch=z9hG4bK-77-1-0',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=77',
  'To: <sip:alice@example.com>',
  'Call-ID: 1-77@192.0.2.10',
  'CSeq: 1 REGISTER',
  'Contact: <sip:alice@192.0.2.10:5062>;expires=3600',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

/** What the field-by-field serializer writes: the same message rebuilt from its parts. */
function rebuilt(m: SipRequest): string {
  return createRequest({ method: m.method, uri: m.uriText, headers: [...m.headers], body: m.body }).toBuffer().toString('latin1');
}

test('an unmodified canonical message serialises to its received bytes, in a fresh buffer', () => {
  for (const name of ['invite', 'register', 'bye', 'ack', 'ok200']) {
    const input = sample(name);
    const m = parseMessage(input);
    const out = m.toBuffer();
    assert.equal(out.toString('latin1'), input.toString('latin1'), name);
    out.fill(0);
    assert.equal(m.toBuffer().toString('latin1'), input.toString('latin1'), `${name}: output does not alias the message`);
  }
  const m = parseMessage(sample('invite')) as SipRequest;
  assert.equal(m.toBuffer().toString('latin1'), rebuilt(m));
});

test('proxy edits: untouched lines are copied, changed and new ones written', () => {
  const m = parseMessage(Buffer.from(REGISTER)) as SipRequest;
  m.headers.prepend('Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp1');
  m.headers.set('Max-Forwards', String((m.maxForwards ?? 70) - 1));
  const s = m.toBuffer().toString('latin1');
  assert.equal(s, REGISTER.replace('REGISTER sip:example.com SIP/2.0\r\n',
    'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKp1\r\n').replace('Max-Forwards: 70', 'Max-Forwards: 69'));
  assert.equal(s, rebuilt(m));
  m.headers.removeFirst('via');
  m.headers.delete('contact');
  m.method = 'OPTIONS';
  m.headers.set('CSeq', '1 OPTIONS');
  assert.equal(m.toBuffer().toString('latin1'), rebuilt(m));
  assert.match(m.toBuffer().toString('latin1'), /^OPTIONS sip:example\.com SIP\/2\.0\r\nVia: SIP\/2\.0\/UDP 192\.0\.2\.10/);
});

test('body and Content-Length: a new body is written and counted', () => {
  const m = parseMessage(sample('invite')) as SipRequest;
  m.body = Buffer.from('v=0\r\n');
  const s = m.toBuffer().toString('latin1');
  assert.match(s, /\r\nContent-Length: 5\r\n\r\nv=0\r\n$/);
  assert.equal(s, rebuilt(m));
  const r = parseMessage(Buffer.from(REGISTER.replace('Content-Length: 0\r\n', ''))) as SipRequest;
  assert.match(r.toBuffer().toString('latin1'), /\r\nContent-Length: 0\r\n\r\n$/);
});

test('non-canonical spellings are normalised as before (folding, spacing, bare LF, odd Content-Length)', () => {
  const variants = [
    REGISTER.replace('Max-Forwards: 70', 'Max-Forwards:70'),
    REGISTER.replace('Max-Forwards: 70', 'Max-Forwards :  70  '),
    REGISTER.replace('To: <sip:alice@example.com>', 'To: <sip:alice@example.com>\r\n ;x=1'),
    REGISTER.replace(/\r\n/g, '\n'),
    REGISTER.replace('Content-Length: 0', 'Content-Length: 00'),
    REGISTER.replace('SIP/2.0\r\n', 'sip/2.0\r\n'),
    `\r\n\r\n${REGISTER}`,
  ];
  for (const v of variants) {
    const m = parseMessage(Buffer.from(v)) as SipRequest;
    const s = m.toBuffer().toString('latin1');
    assert.equal(s, rebuilt(m), JSON.stringify(v));
    assert.ok(!s.includes('\n\n') && !s.includes(':70') && !s.includes(': 00'), JSON.stringify(s));
  }
});

test('non-ASCII header values round-trip as UTF-8', () => {
  const m = parseMessage(Buffer.from(REGISTER.replace('To: <sip:alice@example.com>', 'To: "Zoë" <sip:alice@example.com>'))) as SipRequest;
  assert.equal(m.to.displayName, 'Zoë');
  assert.equal(m.toBuffer().toString('utf8'), REGISTER.replace('To: <sip:alice@example.com>', 'To: "Zoë" <sip:alice@example.com>'));
  const r = parseMessage(Buffer.from('SIP/2.0 200 Très bien\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n')) as SipResponse;
  assert.equal(r.reason, 'Très bien');
  assert.match(r.toBuffer().toString('utf8'), /^SIP\/2\.0 200 Très bien\r\n[^]*Content-Length: 0\r\n\r\n$/);
  r.status = 202;
  r.reason = 'Accepted';
  assert.match(r.toBuffer().toString('utf8'), /^SIP\/2\.0 202 Accepted\r\n/);
});

test('lazily built objects: Request-URI on first read, cached views follow header edits', () => {
  const m = parseMessage(Buffer.from(REGISTER)) as SipRequest;
  assert.equal(m.uriText, 'sip:example.com');
  const c = m.clone();
  assert.equal(m.uri.host, 'example.com');
  m.uri.port = 5070;
  assert.match(m.toBuffer().toString('latin1'), /^REGISTER sip:example\.com:5070 SIP\/2\.0\r\n/);
  assert.match(c.toBuffer().toString('latin1'), /^REGISTER sip:example\.com SIP\/2\.0\r\n/);
  assert.equal(m.from.params.get('tag'), '77');
  assert.equal(m.from, m.from, 'cached');
  m.headers.set('From', '<sip:bob@example.com>;tag=99');
  assert.equal(m.from.uri.user, 'bob');
  assert.equal(m.from.params.get('tag'), '99');
  assert.equal(m.maxForwards, 70);
  m.headers.delete('max-forwards');
  assert.equal(m.maxForwards, undefined);
  assert.deepEqual(m.contacts().map((x) => x.params.get('expires')), ['3600']);
  m.headers.append('m', '<sip:alice@192.0.2.11>;expires=60');
  assert.deepEqual(m.contacts().map((x) => x.params.get('expires')), ['3600', '60']);
  assert.equal(m.headers.parsed('contact', () => 'other'), m.contacts(), 'parsed() shares the cache');
});
