import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4, isIPv6, parseCidr, isIPOrCidr, isDomainName, checkHttpsBaseUrl, isE164 } from './index.ts';

test('IPv4', () => {
  for (const ok of ['0.0.0.0', '192.0.2.10', '255.255.255.255', '10.0.0.1']) assert.equal(isIPv4(ok), true, ok);
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '', '1.2.3.4 ', '1..2.3'])
    assert.equal(isIPv4(bad), false, bad);
});

test('IPv6 (RFC 4291 §2.2 forms)', () => {
  for (const ok of ['::', '::1', '2001:db8::1', 'fe80::1:2:3:4', '2001:0db8:0000:0000:0000:ff00:0042:8329', '::ffff:192.0.2.1', '1::', '1:2:3:4:5:6:7::'])
    assert.equal(isIPv6(ok), true, ok);
  for (const bad of ['1:2:3:4:5:6:7:8:9', '2001:db8:::1', '1::2::3', 'g::1', '12345::', ':1', '1:2:3:4:5:6:7:8::', '::ffff:999.0.2.1', '192.0.2.1'])
    assert.equal(isIPv6(bad), false, bad);
});

test('CIDR', () => {
  assert.deepEqual(parseCidr('192.0.2.0/24'), { family: 4, address: '192.0.2.0', prefix: 24 });
  assert.deepEqual(parseCidr('10.1.2.3'), { family: 4, address: '10.1.2.3', prefix: 32 });
  assert.deepEqual(parseCidr('2001:db8::/32'), { family: 6, address: '2001:db8::', prefix: 32 });
  for (const bad of ['192.0.2.0/33', '192.0.2.0/', '192.0.2.0/024', '2001:db8::/129', 'example.com/24', '1.2.3.4/-1'])
    assert.equal(isIPOrCidr(bad), false, bad);
});

test('domain names', () => {
  for (const ok of ['example.com', 'sip.example.co.uk', 'a-b.example', '1and1.com', 'xn--bcher-kva.example'])
    assert.equal(isDomainName(ok), true, ok);
  for (const bad of ['localhost', '-a.com', 'a-.com', 'a..com', 'example.com.', '192.0.2.1', 'a_b.com', 'x'.repeat(64) + '.com', ''])
    assert.equal(isDomainName(bad), false, bad);
});

test('HTTPS base URLs: https only, no trailing slash', () => {
  assert.deepEqual(checkHttpsBaseUrl('https://portal.example.com'), { ok: true, host: 'portal.example.com' });
  assert.deepEqual(checkHttpsBaseUrl('https://Portal.example.com:8443/brand'), { ok: true, host: 'portal.example.com:8443' });
  assert.equal(checkHttpsBaseUrl('https://localhost:8080').ok, true);
  assert.deepEqual(checkHttpsBaseUrl('http://portal.example.com'), { ok: false, code: 'NOT_HTTPS' });
  assert.deepEqual(checkHttpsBaseUrl('https://portal.example.com/'), { ok: false, code: 'TRAILING_SLASH' });
  assert.deepEqual(checkHttpsBaseUrl('portal.example.com'), { ok: false, code: 'NOT_A_URL' });
  assert.deepEqual(checkHttpsBaseUrl('https://u:p@portal.example.com'), { ok: false, code: 'HAS_CREDENTIALS' });
  assert.deepEqual(checkHttpsBaseUrl('https://portal.example.com?x=1'), { ok: false, code: 'HAS_QUERY' });
  assert.deepEqual(checkHttpsBaseUrl('https://bad_host.example.com'), { ok: false, code: 'BAD_HOST' });
});

test('E.164', () => {
  for (const ok of ['+34911234567', '+1', '+123456789012345']) assert.equal(isE164(ok), true, ok);
  for (const bad of ['34911234567', '+0123', '+1234567890123456', '+34 91', '+']) assert.equal(isE164(bad), false, bad);
});
