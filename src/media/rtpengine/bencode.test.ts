import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBencode, encodeBencode, type BValue } from './bencode.ts';

const enc = (v: Parameters<typeof encodeBencode>[0]): string => encodeBencode(v).toString('latin1');

test('encodes BEP 3 vectors', () => {
  assert.equal(enc(42), 'i42e');
  assert.equal(enc(-3), 'i-3e');
  assert.equal(enc(0), 'i0e');
  assert.equal(enc(12345678901234567890n), 'i12345678901234567890e');
  assert.equal(enc('spam'), '4:spam');
  assert.equal(enc(''), '0:');
  assert.equal(enc(['spam', 'eggs']), 'l4:spam4:eggse');
  assert.equal(enc({ cow: 'moo', spam: 'eggs' }), 'd3:cow3:moo4:spam4:eggse');
  assert.equal(enc({ spam: ['a', 'b'] }), 'd4:spaml1:a1:bee');
  assert.equal(enc({}), 'de');
  assert.equal(enc([]), 'le');
});

test('encoder sorts dictionary keys by raw bytes and leaves out undefined values', () => {
  assert.equal(enc({ b: 1, a: 2, B: 3, skip: undefined }), 'd1:Bi3e1:ai2e1:bi1ee');
  // 'é' (0xc3 0xa9) sorts after 'z' byte-wise
  assert.equal(encodeBencode({ é: 1, z: 2 }).toString('utf8'), 'd1:zi2e2:éi1ee');
});

test('strings are length-prefixed in bytes, binary strings survive', () => {
  assert.equal(encodeBencode('€').toString('utf8'), '3:€');
  const bin = Buffer.from([0x00, 0xff, 0x3a, 0x65, 0x80]);
  const wire = encodeBencode({ data: bin });
  assert.deepEqual(wire, Buffer.concat([Buffer.from('d4:data5:'), bin, Buffer.from('e')]));
  const back = decodeBencode(wire, { strings: 'buffer' });
  assert.ok(back.ok);
  assert.deepEqual((back.value as Record<string, BValue>)['data'], bin);
});

test('decodes nested structures (rtpengine-style reply)', () => {
  const wire = Buffer.from('d6:result2:ok4:tagsd2:tad6:mediasld7:streamsld5:statsd7:packetsi3e5:bytesi516eeeeeeeee');
  const r = decodeBencode(wire);
  assert.ok(r.ok);
  assert.deepEqual(JSON.parse(JSON.stringify(r.value)), {
    result: 'ok',
    tags: { ta: { medias: [{ streams: [{ stats: { packets: 3, bytes: 516 } }] }] } },
  });
});

test('round trip of mixed values', () => {
  const v = { command: 'offer', flags: ['trust-address'], n: -17, nested: { list: [1, [2, ['x']]], e: '' } };
  const r = decodeBencode(encodeBencode(v));
  assert.ok(r.ok);
  assert.deepEqual(JSON.parse(JSON.stringify(r.value)), v);
});

test('large integers decode as bigint, safe ones as number', () => {
  const r = decodeBencode(Buffer.from('li9007199254740993ei9007199254740991ee'));
  assert.ok(r.ok);
  assert.deepEqual(r.value, [9007199254740993n, 9007199254740991]);
});

test('rejects malformed input with a code and offset', () => {
  const cases: Array<[string, string]> = [
    ['i03e', 'BENCODE_ERR_BAD_INTEGER'],
    ['i-0e', 'BENCODE_ERR_BAD_INTEGER'],
    ['ie', 'BENCODE_ERR_BAD_INTEGER'],
    ['i1x2e', 'BENCODE_ERR_BAD_INTEGER'],
    ['i42', 'BENCODE_ERR_UNEXPECTED_END'],
    ['03:abc', 'BENCODE_ERR_BAD_LENGTH'],
    ['5:abc', 'BENCODE_ERR_UNEXPECTED_END'],
    ['-1:a', 'BENCODE_ERR_UNEXPECTED_BYTE'],
    ['l4:spam', 'BENCODE_ERR_UNEXPECTED_END'],
    ['d3:cowe', 'BENCODE_ERR_UNEXPECTED_BYTE'],
    ['d3:cow', 'BENCODE_ERR_UNEXPECTED_END'],
    ['di1ei2ee', 'BENCODE_ERR_UNEXPECTED_BYTE'],
    ['d1:ai1e1:ai2ee', 'BENCODE_ERR_DUPLICATE_KEY'],
    ['i1ei2e', 'BENCODE_ERR_TRAILING_DATA'],
    ['x', 'BENCODE_ERR_UNEXPECTED_BYTE'],
    ['', 'BENCODE_ERR_UNEXPECTED_END'],
  ];
  for (const [input, code] of cases) {
    const r = decodeBencode(Buffer.from(input));
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.code, code, input);
  }
  const dup = decodeBencode(Buffer.from('d1:ai1e1:ai2ee'));
  assert.ok(!dup.ok && dup.offset === 7);
});

test('key order: tolerated by default (rtpengine does not sort), enforced on request', () => {
  const wire = Buffer.from('d1:bi1e1:ai2ee');
  assert.ok(decodeBencode(wire).ok);
  const strict = decodeBencode(wire, { strictKeyOrder: true });
  assert.ok(!strict.ok && strict.code === 'BENCODE_ERR_KEY_ORDER');
});

test('nesting is bounded', () => {
  const deep = Buffer.from(`${'l'.repeat(40)}${'e'.repeat(40)}`);
  const r = decodeBencode(deep);
  assert.ok(!r.ok && r.code === 'BENCODE_ERR_TOO_DEEP');
  assert.ok(decodeBencode(deep, { maxDepth: 64 }).ok);
});

test('a __proto__ key stays an ordinary key', () => {
  const r = decodeBencode(Buffer.from('d9:__proto__d1:xi1eee'));
  assert.ok(r.ok);
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
  assert.deepEqual(Object.keys(r.value as object), ['__proto__']);
});

test('encoder refuses non-integer numbers (a bug, not input)', () => {
  assert.throws(() => encodeBencode(1.5), RangeError);
});
