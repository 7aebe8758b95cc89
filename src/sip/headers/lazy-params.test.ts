import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findParam, LazyParams } from './lazy-params.ts';
import { parseNameAddr } from './name-addr.ts';
import { parseParams } from './scan.ts';
import { parseVia } from './via.ts';

const CASES = [
  '',
  ';tag=abc',
  ';TAG=Abc;lr;Tag=second',
  ' ; tag = x ; rport ; received=192.0.2.1',
  ';+sip.instance="<urn:uuid:1;2>";expires=60;q=0.5',
  ';received=[2001:db8::1];rport=5060;branch=z9hG4bK-1',
  ';a="quoted \\" ; still";b',
  ';maddr=sip.example.com;ttl=5;method=INVITE;x-Custom=~!%*_+`\'',
];

test('findParam answers what the Map built by parseParams answers, for every name', () => {
  for (const text of CASES) {
    const m = new Map<string, string | null>();
    parseParams(text, 0, m, 'SIP_ERR_BAD_HEADER');
    for (const name of [...m.keys(), 'absent', 'Tag']) {
      assert.equal(findParam(text, name), m.get(name), `${JSON.stringify(text)} ${name}`);
    }
  }
});

test('LazyParams behaves as a Map: get/has on the text, everything else on the Map it builds', () => {
  const p = new LazyParams(';tag=a;lr;Expires=30');
  assert.equal(p.get('tag'), 'a');
  assert.equal(p.get('lr'), null);
  assert.equal(p.has('lr'), true);
  assert.equal(p.has('nope'), false);
  assert.equal(p.map, undefined); // nothing built yet
  assert.equal(p.size, 3);
  assert.deepEqual([...p], [['tag', 'a'], ['lr', null], ['expires', '30']]);
  p.set('tag', 'b');
  p.delete('lr');
  assert.deepEqual(new Map(p), new Map([['tag', 'b'], ['expires', '30']]));
  assert.equal(Object.prototype.toString.call(p), '[object Map]');
  const seen: string[] = [];
  p.forEach((v, k, map) => {
    seen.push(`${k}=${v}`);
    assert.equal(map, p);
  });
  assert.deepEqual(seen, ['tag=b', 'expires=30']);
});

test('parsed Via and name-addr: parameters and URI built on demand, same values as before', () => {
  const via = parseVia('SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKx;received=10.0.0.1');
  assert.equal(via.branch, 'z9hG4bKx');
  assert.equal(via.params.get('rport'), null);
  assert.equal(via.params.get('received'), '10.0.0.1');
  assert.deepEqual([...via.params.keys()], ['rport', 'branch', 'received']);

  const a = parseNameAddr('"Alice" <sip:alice@Example.COM;transport=tcp>;tag=t1', 'SIP_ERR_BAD_FROM');
  assert.equal(a.displayName, 'Alice');
  assert.equal(a.params.get('tag'), 't1');
  assert.equal(a.uri.host, 'example.com');
  assert.equal(a.uri.params.get('transport'), 'tcp');
  assert.equal(a.uri, a.uri); // built once
  a.uri = { ...a.uri, host: 'other.example' };
  assert.equal(a.uri.host, 'other.example');
  // a bad URI is still rejected when the name-addr is parsed, not when uri is first read
  assert.throws(() => parseNameAddr('<sip:al ice@example.com>', 'SIP_ERR_BAD_FROM'), { code: 'SIP_ERR_BAD_FROM' });
  assert.equal('displayName' in parseNameAddr('<sip:b@example.com>'), false);
});
