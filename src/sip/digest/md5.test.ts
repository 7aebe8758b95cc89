import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { HmacMd5, md5Hex } from './md5.ts';

test('MD5: RFC 1321 §A.5 test suite', () => {
  const vectors: Array<[string, string]> = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ];
  for (const [input, hex] of vectors) assert.equal(md5Hex(input), hex, JSON.stringify(input));
});

test('MD5: same as node:crypto for every length across the padding boundaries, ASCII, UTF-8 and bytes', () => {
  const chars = 'abcXYZ019:@;="/ é€😀';
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let len = 0; len <= 300; len++) {
    const ascii = Array.from({ length: len }, () => String.fromCharCode(32 + rnd(95))).join('');
    assert.equal(md5Hex(ascii), createHash('md5').update(ascii).digest('hex'), `ascii length ${len}`);
    const mixed = Array.from({ length: len }, () => chars[rnd(chars.length)]).join('');
    assert.equal(md5Hex(mixed), createHash('md5').update(mixed, 'utf8').digest('hex'), `utf-8 length ${len}`);
    const bytes = Buffer.from(Array.from({ length: len }, () => rnd(256)));
    assert.equal(md5Hex(bytes), createHash('md5').update(bytes).digest('hex'), `bytes length ${len}`);
  }
  const big = Buffer.alloc(100_000, 0xa5); // grows the scratch buffer
  assert.equal(md5Hex(big), createHash('md5').update(big).digest('hex'));
  assert.equal(md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72', 'still right after growing');
});

test('HMAC-MD5: RFC 2104 / RFC 2202 vectors and node:crypto for short, block-sized and long keys', () => {
  const mac = (key: Uint8Array, head: Uint8Array, tail: string) => {
    const out = Buffer.alloc(20, 0xff);
    new HmacMd5(key).macInto(head, tail, out, 2);
    assert.deepEqual(out.subarray(0, 2), Buffer.from([0xff, 0xff]), 'nothing written before the offset');
    assert.deepEqual(out.subarray(18), Buffer.from([0xff, 0xff]), 'nothing written after the 16 bytes');
    return out.subarray(2, 18).toString('hex');
  };
  const none = new Uint8Array(0);
  assert.equal(mac(Buffer.alloc(16, 0x0b), none, 'Hi There'), '9294727a3638bb1c13f48ef8158bfc9d');
  assert.equal(mac(Buffer.from('Jefe'), none, 'what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738');
  assert.equal(mac(Buffer.alloc(16, 0xaa), Buffer.alloc(50, 0xdd), ''), '56be34521d144c88dbb8c733f0e8b3f6');
  // RFC 2202 test 6: a key longer than the block is hashed first
  assert.equal(mac(Buffer.alloc(80, 0xaa), none, 'Test Using Larger Than Block-Size Key - Hash Key First'), '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd');
  for (const keyLen of [0, 1, 32, 63, 64, 65, 200]) {
    const key = Buffer.alloc(keyLen, keyLen + 1);
    const h = new HmacMd5(key);
    for (const [head, tail] of [[Buffer.alloc(16, 3), 'sip.example.com'], [Buffer.alloc(0), ''], [Buffer.alloc(70, 9), 'réalm']] as const) {
      const out = Buffer.alloc(16);
      h.macInto(head, tail, out, 0);
      const expected = createHmac('md5', key).update(head).update(tail, 'utf8').digest();
      assert.deepEqual(out, expected, `key ${keyLen}, head ${head.length}, tail ${tail}`);
    }
  }
});
