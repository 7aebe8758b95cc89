// toBufferWithTwin: the twin must be exactly what parseMessage makes of the bytes written, for messages built
// here, parsed and forwarded untouched, or parsed and changed (the process-local hop relies on it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, createResponse, parseMessage, type SipMessage, type SipRequest, type SipResponse } from './message.ts';
import { checkTwin } from './parser.ts';
import { SipParseError } from './errors.ts';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'm: <sip:alice@pc33.atlanta.example.com>;expires=60',
  'Subject:   spaced   ',
  'Record-Route: <sip:p1.example.com;lr>',
  'Content-Type: application/sdp',
  'l: 5',
  '',
  'v=0\r\n',
].join('\r\n');

function fields(m: SipMessage): Array<[string, string, string, number]> {
  const h = m.headers;
  const out: Array<[string, string, string, number]> = [];
  for (let i = 0; i < h.size; i++) out.push([h.nameAt(i), h.keyAt(i), h.valueAt(i), h.spanAt(i)]);
  return out;
}

/** The twin against a parse of the same bytes: fields, spans, start line, body, accessors and re-serialisation. */
function assertTwinIsParse(m: SipMessage): void {
  const before = m.toBuffer();
  const { bytes, twin } = m.toBufferWithTwin();
  assert.deepEqual(bytes, before, 'the bytes are what toBuffer writes');
  assert.ok(twin, 'a twin');
  checkTwin(twin);
  const parsed = parseMessage(bytes);
  assert.equal(twin.isRequest, parsed.isRequest);
  assert.deepEqual(fields(twin), fields(parsed));
  assert.equal(twin.headers.source() === bytes, parsed.headers.source() === bytes);
  assert.deepEqual(twin.body, parsed.body);
  if (twin.isRequest && parsed.isRequest) {
    assert.equal(twin.method, parsed.method);
    assert.equal(twin.uriText, parsed.uriText);
    assert.deepEqual(twin.uri, parsed.uri);
  } else if (!twin.isRequest && !parsed.isRequest) {
    assert.equal(twin.status, parsed.status);
    assert.equal(twin.reason, parsed.reason);
  }
  assert.deepEqual(twin.topVia, parsed.topVia);
  assert.deepEqual(twin.from, parsed.from);
  assert.deepEqual(twin.to, parsed.to);
  assert.deepEqual(twin.cseq, parsed.cseq);
  assert.equal(twin.contentLength, parsed.contentLength);
  assert.deepEqual(twin.contacts(), parsed.contacts());
  assert.deepEqual(twin.toBuffer(), bytes, 'an untouched twin writes the same bytes');
  // changed the same way, both write the same bytes (the twin's spans are right)
  for (const x of [twin, parsed]) {
    x.headers.set('Max-Forwards', '69');
    x.headers.prepend('Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtwin');
    x.headers.append('X-Added', 'yes');
  }
  assert.equal(twin.toBuffer().toString('latin1'), parsed.toBuffer().toString('latin1'));
}

test('twin of a parsed request forwarded untouched (start line and lines copied)', () => {
  assertTwinIsParse(parseMessage(Buffer.from(INVITE)));
});

test('twin of a parsed request that was changed: Via, Request-URI, a removed field, new body with a stale Content-Length', () => {
  const m = parseMessage(Buffer.from(INVITE)) as SipRequest;
  m.headers.prepend('Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew');
  m.headers.delete('Subject');
  m.uri.user = 'carol';
  m.body = Buffer.from('v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n');
  const twin = m.toBufferWithTwin().twin!;
  assert.equal(twin.headers.get('content-length'), String(m.body.length), 'Content-Length is the body written');
  assert.equal((twin as SipRequest).uri.user, 'carol');
  assertTwinIsParse(m);
});

test('twin of a request built here, without Content-Length (appended) and with a non-ASCII display name (no spans)', () => {
  const m = createRequest({
    method: 'MESSAGE',
    uri: 'sip:bob@example.com',
    headers: [
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKb1'],
      ['From', '"Zoë" <sip:zoe@example.com>;tag=a'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'c1'],
      ['CSeq', '1 MESSAGE'],
      ['Content-Type', 'text/plain'],
    ],
    body: 'héllo',
  });
  const twin = m.toBufferWithTwin().twin!;
  assert.equal(twin.headers.source(), undefined, 'a UTF-8 head has no copyable spans (as after a parse)');
  assertTwinIsParse(m);
});

test('twin of responses built here, with and without a body', () => {
  const req = parseMessage(Buffer.from(INVITE)) as SipRequest;
  assertTwinIsParse(createResponse(req, 100));
  assertTwinIsParse(createResponse(req, 200, undefined, {
    toTag: 't1',
    headers: [['Contact', '<sip:bob@192.0.2.4:5062>']],
    body: 'v=0\r\n',
  }));
  const parsed = parseMessage(createResponse(req, 486, 'Busy Here', { toTag: 't2' }).toBuffer()) as SipResponse;
  assertTwinIsParse(parsed);
  parsed.reason = 'Busy Everywhere';
  assertTwinIsParse(parsed);
});

test('no twin for a field the parser would read differently: a line break in a value (header injection), blanks around it, a name that is not a token, a line break in the reason', () => {
  const base = (): SipRequest => parseMessage(Buffer.from(INVITE)) as SipRequest;
  const cases: Array<[string, (m: SipRequest) => void]> = [
    ['CRLF in a display name', (m) => m.headers.set('From', '"Bob\r\nCall-Info: <sip:x>;answer-after=0" <sip:bob@example.com>;tag=1')],
    ['bare LF in a value', (m) => m.headers.append('X-Note', 'a\nb')],
    ['leading blank', (m) => m.headers.append('X-Note', ' a')],
    ['trailing tab', (m) => m.headers.append('X-Note', 'a\t')],
    ['name with a colon', (m) => m.headers.append('X:Note', 'a')],
    ['name with a space', (m) => m.headers.append('X Note', 'a')],
  ];
  for (const [what, change] of cases) {
    const m = base();
    change(m);
    const { bytes, twin } = m.toBufferWithTwin();
    assert.equal(twin, undefined, what);
    assert.deepEqual(bytes, m.toBuffer(), `${what}: the bytes are still written`);
  }
  const res = createResponse(base(), 486, 'Busy\r\nX-Injected: 1');
  assert.equal(res.toBufferWithTwin().twin, undefined, 'CRLF in the reason phrase');
  // the same CRLF reaching a receiver as bytes: the parser refuses the From (unterminated quote), as before twins
  const m = base();
  cases[0]![1](m);
  assert.throws(() => parseMessage(m.toBuffer()), SipParseError);
});

test('checkTwin refuses what parseMessage refuses in a message built by code: CSeq method mismatch, two From, too many fields, a bad Request-URI scheme', () => {
  const built = (extra: Array<[string, string]> = [], cseq = '1 MESSAGE', uri = 'sip:bob@example.com'): SipRequest => createRequest({
    method: 'MESSAGE',
    uri,
    headers: [
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKc1'],
      ['From', '<sip:a@example.com>;tag=a'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'c1'],
      ['CSeq', cseq],
      ...extra,
    ],
  });
  checkTwin(built().toBufferWithTwin().twin!);
  const code = (m: SipRequest, limits?: Parameters<typeof checkTwin>[1]) => {
    const twin = m.toBufferWithTwin().twin!;
    try {
      checkTwin(twin, limits);
    } catch (e) {
      assert.ok(e instanceof SipParseError);
      assert.ok(e.partial, 'a request fault can be answered');
      return e.code;
    }
    return 'accepted';
  };
  assert.equal(code(built([], '1 INVITE')), 'SIP_ERR_CSEQ_METHOD_MISMATCH');
  assert.equal(code(built([['From', '<sip:c@example.com>;tag=c']])), 'SIP_ERR_MULTIPLE_SINGLE_VALUE');
  assert.equal(code(built(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v'] as [string, string])), { maxMessageBytes: 65535, maxHeaders: 10, maxHeaderBytes: 16384 }), 'SIP_ERR_TOO_MANY_HEADERS');
  const scheme = parseCode(built([], '1 MESSAGE', 'http://example.com/'), ['sip']);
  assert.notEqual(scheme, 'accepted');
  assert.equal(code(built([], '1 MESSAGE', 'http://example.com/'), { maxMessageBytes: 65535, maxHeaders: 256, maxHeaderBytes: 16384, allowedSchemes: ['sip'] }), scheme);
});

/** What parseMessage says of the same message's bytes (the twin must agree). */
function parseCode(m: SipRequest, allowedSchemes: string[]): string {
  try {
    parseMessage(m.toBuffer(), { maxMessageBytes: 65535, maxHeaders: 256, maxHeaderBytes: 16384, allowedSchemes });
  } catch (e) {
    return (e as SipParseError).code;
  }
  return 'accepted';
}
