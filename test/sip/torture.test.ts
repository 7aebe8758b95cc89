// RFC 4475 torture corpus: every message, with the outcome the RFC asks for (see torture/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createErrorResponse, parseMessage, SipParseError, type SipMessage, type SipRequest, type SipResponse,
} from '../../src/sip/message.ts';

const DIR = join(import.meta.dirname, 'torture');
const load = (kind: string, name: string): Buffer => readFileSync(join(DIR, kind, `${name}.dat`));
const kindOf = (name: string): string => (readdirSync(join(DIR, 'valid')).includes(`${name}.dat`) ? 'valid' : 'invalid');
const parse = (name: string): SipMessage => parseMessage(load(kindOf(name), name));
const req = (name: string): SipRequest => {
  const m = parse(name);
  assert.ok(m.isRequest, `${name} is a request`);
  return m;
};
function rejects(name: string): SipParseError {
  try {
    parseMessage(load(kindOf(name), name));
  } catch (e) {
    assert.ok(e instanceof SipParseError, `${name}: ${String(e)}`);
    return e;
  }
  assert.fail(`${name} was accepted`);
}

/** Expected outcome per message: 'ok' or [status, code, reason fragment]. */
const EXPECT: Record<string, 'ok' | [number, string, RegExp]> = {
  // §3.1.1 valid
  wsinv: 'ok', intmeth: 'ok', esc01: 'ok', escnull: 'ok', esc02: 'ok', lwsdisp: 'ok', longreq: 'ok', dblreq: 'ok',
  semiuri: 'ok', transports: 'ok', mpart01: 'ok', unreason: 'ok', noreason: 'ok',
  // §3.1.2 invalid
  badinv01: [400, 'SIP_ERR_BAD_VIA', /Via/],
  clerr: [400, 'SIP_ERR_CONTENT_LENGTH_MISMATCH', /Content-Length/],
  ncl: [400, 'SIP_ERR_BAD_CONTENT_LENGTH', /Content-Length/],
  scalar02: [400, 'SIP_ERR_BAD_CSEQ', /CSeq/],
  scalarlg: [0, 'SIP_ERR_BAD_CSEQ', /CSeq/], // a response: dropped
  quotbal: [400, 'SIP_ERR_BAD_QUOTED_STRING', /Quoted String/],
  ltgtruri: [400, 'SIP_ERR_BAD_REQUEST_URI', /Request-URI/],
  lwsruri: [400, 'SIP_ERR_BAD_START_LINE', /Request-Line/],
  lwsstart: [400, 'SIP_ERR_BAD_START_LINE', /Request-Line/],
  trws: [400, 'SIP_ERR_BAD_START_LINE', /Request-Line/],
  escruri: [400, 'SIP_ERR_BAD_REQUEST_URI', /Request-URI/],
  baddate: [400, 'SIP_ERR_BAD_DATE', /Date/],
  regbadct: [400, 'SIP_ERR_BAD_CONTACT', /Contact/],
  badaspec: [400, 'SIP_ERR_BAD_TO', /To/],
  baddn: [400, 'SIP_ERR_BAD_FROM', /From/],
  badvers: [505, 'SIP_ERR_BAD_VERSION', /Version/],
  mismatch01: [400, 'SIP_ERR_CSEQ_METHOD_MISMATCH', /CSeq Method/],
  mismatch02: [400, 'SIP_ERR_CSEQ_METHOD_MISMATCH', /CSeq Method/], // RFC prefers 501; 400 is allowed
  bigcode: [0, 'SIP_ERR_BAD_STATUS_CODE', /Status Code/],
  // §3.2, §3.3, §3.4: syntactically fine unless noted
  badbranch: 'ok',
  insuf: [400, 'SIP_ERR_MISSING_HEADER', /Missing Call-ID/],
  unkscm: [416, 'SIP_ERR_UNSUPPORTED_URI_SCHEME', /URI Scheme/],
  novelsc: [416, 'SIP_ERR_UNSUPPORTED_URI_SCHEME', /URI Scheme/],
  unksm2: 'ok', bext01: 'ok', invut: 'ok', regaut01: 'ok',
  multi01: [400, 'SIP_ERR_MULTIPLE_SINGLE_VALUE', /Multiple CSeq/],
  mcl01: [400, 'SIP_ERR_BAD_CONTENT_LENGTH', /Content-Length/],
  bcast: 'ok', zeromf: 'ok', cparam01: 'ok', cparam02: 'ok', regescrt: 'ok', sdp01: 'ok', inv2543: 'ok',
};

test('the corpus holds all 49 RFC 4475 messages and each has an expectation', () => {
  const files = [...readdirSync(join(DIR, 'valid')), ...readdirSync(join(DIR, 'invalid'))]
    .filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4)).sort();
  assert.equal(files.length, 49);
  assert.deepEqual(files, Object.keys(EXPECT).sort());
  for (const f of readdirSync(join(DIR, 'invalid'))) {
    if (f.endsWith('.dat')) assert.notEqual(EXPECT[f.slice(0, -4)], 'ok', `${f} is in invalid/`);
  }
});

for (const [name, want] of Object.entries(EXPECT)) {
  test(`RFC 4475 ${name}: ${want === 'ok' ? 'accepted' : `rejected ${want[0]}`}`, () => {
    if (want === 'ok') {
      const m = parse(name);
      // every accepted message serialises and re-parses to the same thing
      const again = parseMessage(m.toBuffer());
      assert.equal(again.toBuffer().toString('latin1'), m.toBuffer().toString('latin1'));
      return;
    }
    const e = rejects(name);
    assert.equal(e.code, want[1], e.message);
    assert.equal(e.status, want[0], e.message);
    assert.match(e.reason, want[2]);
    const r = createErrorResponse(e, 'x1');
    if (want[0] === 0) assert.equal(r, undefined);
    else {
      // the answer can be formed from what was readable, and carries the request's Via
      assert.ok(r, `${name}: no response`);
      assert.equal(r.status, want[0]);
      assert.equal(r.reason, e.reason);
      assert.match(r.toBuffer().toString('latin1'), new RegExp(`^SIP/2\\.0 ${want[0]} `));
    }
  });
}

test('wsinv: folding, LWS everywhere, escapes in quotes, compact and odd-case names', () => {
  const m = req('wsinv');
  assert.equal(m.uri.params.get('unknownparam'), null);
  assert.equal(m.to.params.get('tag'), '1918181833n');
  assert.equal(m.from.displayName, 'J Rosenberg \\"');
  assert.equal(m.from.params.get('tag'), '98asjd8');
  assert.equal(m.maxForwards, 68);
  assert.deepEqual(m.cseq, { seq: 9, method: 'INVITE' });
  assert.deepEqual(m.via.map((v) => [v.transport, v.host, v.branch]), [
    ['UDP', '192.0.2.2', '390skdjuw'], ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'], ['UDP', '192.168.255.111', 'z9hG4bK30239'],
  ]);
  assert.equal(m.headers.get('subject'), '');
  assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
  assert.equal(m.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  const [c] = m.contacts();
  assert.equal(c?.displayName, 'Quoted string ""');
  assert.equal(c?.params.get('newparam'), 'newvalue');
  assert.equal(c?.params.get('secondparam'), null);
  assert.equal(c?.params.get('q'), '0.33');
  assert.equal(m.routes()[0]?.uri.params.get('unknown-no-value'), null);
  assert.equal(m.body.length, 150);
});

test('intmeth: odd method, URI user/password characters, NUL in quoted string, UTF-8', () => {
  const m = req('intmeth');
  assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
  assert.equal(m.cseq.method, m.method);
  assert.equal(m.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(m.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.equal(m.to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  assert.equal(m.from.displayName, "token1~` token2'+_ token3*%!.-");
  assert.equal(m.from.params.get("fromparam''~+*_!.-%"), '"работающий"');
  assert.equal(m.from.params.get('tag'), "_token~1'+`*%!-.");
  assert.equal(m.callId, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  assert.equal(m.headers.get("extensionHeader-!.%*+_`'~"), '\uFEFF大停電');
});

test('esc01/escnull/esc02: escaping', () => {
  const e = req('esc01');
  assert.equal(e.uri.user, 'sips:user@example.com');
  assert.equal(e.uri.host, 'example.net');
  assert.equal(e.to.uri.user, 'user');
  assert.equal(e.from.uri.user, 'I have spaces');
  const c = e.contacts()[0];
  assert.equal(c?.uri.user, 'caller');
  assert.match(e.toBuffer().toString(), /^INVITE sip:sips%3Auser%40example\.com@example\.net SIP\/2\.0\r\n/);
  const n = req('escnull');
  assert.equal(n.to.uri.user, 'null-\x00-null');
  assert.deepEqual(n.contacts().map((x) => x.uri.user), ['\x00', '\x00\x00']);
  assert.ok(!n.toBuffer().includes(0), 'no raw NUL is written back');
  const p = req('esc02');
  assert.equal(p.method, 'RE%47IST%45R');
  assert.equal(p.to.displayName, '%Z%45');
  assert.equal(p.contacts().length, 2); // C%6Fntact is another header
  assert.equal(p.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
});

test('lwsdisp, longreq, dblreq, semiuri, transports', () => {
  assert.equal(req('lwsdisp').from.displayName, 'caller');
  const l = req('longreq');
  assert.equal(l.via.length, 34);
  assert.equal(l.to.uri.port, 6000);
  assert.equal(l.callId, `longreq.one${'really'.repeat(20)}longcallid`);
  const d = req('dblreq');
  assert.equal(d.method, 'REGISTER');
  assert.equal(d.body.length, 0);
  assert.ok(!d.toBuffer().toString().includes('INVITE'));
  const s = req('semiuri');
  assert.equal(s.uri.user, 'user;par=u@example.net');
  assert.equal(s.uri.host, 'example.com');
  assert.equal(s.uri.params.size, 0);
  assert.equal(s.headers.getAll('accept').length, 6);
  assert.deepEqual(req('transports').via.map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
});

test('mpart01, unreason, noreason', () => {
  const m = req('mpart01');
  assert.equal(m.body.length, 553);
  assert.ok(load('valid', 'mpart01').subarray(-553).equals(m.body));
  assert.ok(m.body.includes(0));
  const u = parse('unreason') as SipResponse;
  assert.equal(u.status, 200);
  assert.equal(u.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  const n = parse('noreason') as SipResponse;
  assert.equal(n.status, 100);
  assert.equal(n.reason, '');
  assert.match(n.toBuffer().toString(), /^SIP\/2\.0 100 \r\n/);
});

test('application-layer messages parse with the values an element needs', () => {
  assert.equal(req('badbranch').topVia.branch, 'z9hG4bK');
  const u = req('unksm2');
  assert.equal(u.to.uri.scheme, 'isbn');
  assert.equal(u.from.uri.scheme, 'http');
  assert.equal(u.contacts()[0]?.uri.scheme, 'name');
  assert.deepEqual(req('bext01').headers.getAll('proxy-require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  assert.equal(req('zeromf').maxForwards, 0);
  const c1 = req('cparam01').contacts()[0];
  assert.equal(c1?.params.get('unknownparam'), null); // addr-spec: a header (contact) parameter
  assert.equal(c1?.uri.params.size, 0);
  const c2 = req('cparam02').contacts()[0];
  assert.equal(c2?.uri.params.get('unknownparam'), null); // inside <>: a URI parameter
  assert.equal(req('regescrt').contacts()[0]?.uri.headers.get('Route'), '<sip:sip.example.com>');
  const b = parse('bcast') as SipResponse;
  assert.equal(b.via[1]?.host, '255.255.255.255');
  const i = req('inv2543');
  assert.equal(i.topVia.branch, undefined);
  assert.equal(i.to.params.get('user'), 'phone');
  assert.equal(i.body.length, 105);
  assert.equal(req('regaut01').headers.get('authorization'), 'NoOneKnowsThisScheme opaque-data=here');
  assert.equal(req('invut').contentType, 'application/unknownformat');
  assert.equal(req('sdp01').headers.get('accept'), 'text/nobodyKnowsThis');
});
