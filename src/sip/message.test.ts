import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createErrorResponse, createRequest, createResponse, formatVia, parseMessage, parseUri, SipHeaders, SipParseError,
  type SipRequest, type SipResponse,
} from './message.ts';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice \\"A\\"" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'm: <sip:alice@pc33.atlanta.example.com>;expires=60, "x" <sip:x@[::1]:5080;transport=tls>',
  'Record-Route: <sip:p1.example.com;lr>',
  'Record-Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>',
  'Content-Type: application/sdp',
  'l: 4',
  '',
  'v=0\r\n',
].join('\r\n');

function req(s: string): SipRequest {
  const m = parseMessage(Buffer.from(s));
  assert.equal(m.isRequest, true);
  return m as SipRequest;
}

test('parses a request: start line, typed accessors, compact forms, comma-folded values', () => {
  const m = req(INVITE);
  assert.equal(m.method, 'INVITE');
  assert.equal(m.uri.user, 'bob');
  assert.equal(m.uri.params.get('transport'), 'tcp');
  assert.equal(m.via.length, 2);
  assert.equal(m.topVia.branch, 'z9hG4bK776asdhds');
  assert.equal(m.topVia.params.get('rport'), null);
  assert.equal(m.via[1]?.host, '2001:db8::1');
  assert.equal(m.via[1]?.port, 5070);
  assert.deepEqual(m.cseq, { seq: 314159, method: 'INVITE' });
  assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.equal(m.from.displayName, 'Alice "A"');
  assert.equal(m.from.params.get('tag'), '1928301774');
  assert.equal(m.to.params.has('tag'), false);
  assert.equal(m.maxForwards, 70);
  assert.equal(m.contentLength, 4);
  assert.equal(m.contentType, 'application/sdp');
  assert.equal(m.body.toString(), 'v=0\r');
  const c = m.contacts();
  assert.equal(c.length, 2);
  assert.equal(c[0]?.params.get('expires'), '60');
  assert.equal(c[1]?.uri.host, '::1');
  assert.equal(c[1]?.uri.port, 5080);
  assert.deepEqual(m.recordRoutes().map((r) => r.uri.host), ['p1.example.com', 'p2.example.com', 'p3.example.com']);
  assert.equal(m.headers.get('CONTACT'), m.headers.get('m'));
  assert.equal(m.headers.getAll('record-route').length, 3);
});

test('round trip keeps raw header text and recomputes Content-Length', () => {
  const m = req(INVITE);
  const again = req(m.toBuffer().toString());
  assert.equal(again.toBuffer().toString(), m.toBuffer().toString());
  m.body = Buffer.from('v=0\r\no=x\r\n');
  const s = m.toBuffer().toString();
  assert.match(s, /\r\nl: 10\r\n\r\nv=0/);
});

test('header edits invalidate cached accessors; removeFirst splits folded Via', () => {
  const m = req(INVITE);
  assert.equal(m.via.length, 2);
  assert.equal(m.headers.removeFirst('via')?.startsWith('SIP/2.0/UDP pc33'), true);
  assert.equal(m.via.length, 1);
  assert.equal(m.topVia.transport, 'TCP');
  m.headers.prepend('Via', formatVia({ protocol: 'SIP/2.0', transport: 'UDP', host: 'proxy.example', port: 5062, params: new Map(), branch: 'z9hG4bKp' }));
  assert.equal(m.topVia.host, 'proxy.example');
  assert.equal(m.via.length, 2);
  m.headers.set('CSeq', '7 INVITE');
  assert.equal(m.cseq.seq, 7);
});

test('request URI: raw kept unless changed in place', () => {
  const m = req(INVITE.replace('sip:bob@biloxi', 'sip:%62ob@biloxi'));
  assert.equal(m.uri.user, 'bob');
  assert.match(m.toBuffer().toString(), /^INVITE sip:%62ob@biloxi/);
  m.uri.host = 'other.example';
  assert.match(m.toBuffer().toString(), /^INVITE sip:bob@other\.example;transport=tcp SIP\/2\.0\r\n/);
});

test('line folding is unfolded', () => {
  const m = req(INVITE.replace('Max-Forwards: 70', 'Subject: hello\r\n  world\r\n\tagain\r\nMax-Forwards: 70'));
  assert.equal(m.headers.get('s'), 'hello world again');
});

test('createResponse copies Via/From/To/Call-ID/CSeq and adds the To tag', () => {
  const m = req(INVITE);
  const r = createResponse(m, 200, undefined, { toTag: 't1', headers: [['Contact', '<sip:bob@192.0.2.4>']] });
  assert.equal(r.reason, 'OK');
  const p = parseMessage(r.toBuffer()) as SipResponse;
  assert.equal(p.isRequest, false);
  assert.equal(p.status, 200);
  assert.equal(p.via.length, 2);
  assert.equal(p.to.params.get('tag'), 't1');
  assert.equal(p.callId, m.callId);
  assert.deepEqual(p.cseq, m.cseq);
  const trying = createResponse(m, 100, undefined, { toTag: 't1' });
  assert.equal(trying.to.params.has('tag'), false);
});

test('createRequest builds a serialisable request', () => {
  const r = createRequest({
    method: 'OPTIONS', uri: 'sip:alice@example.com',
    headers: [['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1'], ['From', '<sip:a@b>;tag=1'], ['To', '<sip:alice@example.com>'],
      ['Call-ID', 'c1'], ['CSeq', '1 OPTIONS'], ['Max-Forwards', '70']],
    body: 'hi',
  });
  const p = parseMessage(r.toBuffer()) as SipRequest;
  assert.equal(p.method, 'OPTIONS');
  assert.equal(p.body.toString(), 'hi');
  assert.equal(p.clone().toBuffer().toString(), r.toBuffer().toString());
});

test('bad requests carry the status, a reason naming the fault, and enough to answer', () => {
  const bad = INVITE.replace('CSeq: 314159 INVITE', 'CSeq: 99999999999 INVITE');
  const err = (() => {
    try {
      parseMessage(Buffer.from(bad));
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof SipParseError);
  assert.equal(err.code, 'SIP_ERR_BAD_CSEQ');
  assert.equal(err.status, 400);
  assert.equal(err.reason, 'Bad CSeq');
  const r = createErrorResponse(err, 'x');
  assert.equal(r?.status, 400);
  assert.equal(r?.reason, 'Bad CSeq');
  assert.equal(r?.headers.getAll('via').length, 2);
  assert.throws(() => parseMessage(Buffer.from(INVITE.replace('SIP/2.0\r\n', 'SIP/3.0\r\n'))), { code: 'SIP_ERR_BAD_VERSION', status: 505 });
  assert.throws(() => parseMessage(Buffer.from('SIP/2.0 2000 OK\r\n\r\n')), { code: 'SIP_ERR_BAD_STATUS_CODE', status: 0 });
});

test('SipHeaders basic operations', () => {
  const h = new SipHeaders([['Via', 'a'], ['To', 't'], ['v', 'b, c']]);
  assert.deepEqual(h.getAll('VIA'), ['a', 'b', 'c']);
  h.prepend('Via', 'z');
  assert.deepEqual([...h].map(([n]) => n), ['Via', 'Via', 'To', 'v']);
  h.set('via', 'only');
  assert.deepEqual(h.getAll('via'), ['only']);
  h.delete('t');
  assert.equal(h.has('To'), false);
  assert.equal(h.size, 1);
});

test('port 0 names nothing to send to: refused in the Request-URI, a Via sent-by and any other URI (400)', () => {
  assert.throws(() => parseMessage(Buffer.from(INVITE.replace('sip:bob@biloxi.example.com;transport=tcp SIP/2.0', 'sip:bob@biloxi.example.com:0 SIP/2.0'))), { status: 400 });
  assert.throws(() => req(INVITE.replace('pc33.atlanta.example.com;branch', 'pc33.atlanta.example.com:0;branch')).topVia, { status: 400, message: /sent-by port out of range/ });
  assert.throws(() => parseUri('sip:alice@192.0.2.1:0'), /port out of range/);
  assert.throws(() => parseUri('sip:[2001:db8::1]:0'), /port out of range/);
  assert.equal(parseUri('sip:alice@192.0.2.1:1').port, 1);
  assert.equal(parseUri('sip:alice@192.0.2.1:65535').port, 65535);
  assert.equal(req(INVITE.replace('pc33.atlanta.example.com;branch', 'pc33.atlanta.example.com:65535;branch')).topVia.port, 65535);
});
