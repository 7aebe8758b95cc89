import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stampVia, topLevelComma, viaSentByHost } from './via-stamp.ts';

test('RFC 3581 §4: rport without value gets the source port, and received is always added', () => {
  const v = stampVia('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKabc', '192.0.2.7', 40123);
  assert.equal(v, 'SIP/2.0/UDP 10.0.0.1:5060;rport=40123;branch=z9hG4bKabc;received=192.0.2.7');
});

test('rport added even when sent-by equals the source address', () => {
  const v = stampVia('SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;rport', '127.0.0.1', 5999);
  assert.equal(v, 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;rport=5999;received=127.0.0.1');
});

test('RFC 3261 §18.2.1: received only when sent-by differs from the source', () => {
  assert.equal(stampVia('SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKx', '127.0.0.1', 1), 'SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKx');
  assert.equal(
    stampVia('SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKx', '198.51.100.2', 50000),
    'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKx;received=198.51.100.2',
  );
});

test('IPv6 sent-by compared without brackets; a forged received is replaced', () => {
  assert.equal(stampVia('SIP/2.0/UDP [::1]:5060;branch=z9hG4bKx', '::1', 5060), 'SIP/2.0/UDP [::1]:5060;branch=z9hG4bKx');
  assert.equal(
    stampVia('SIP/2.0/UDP [2001:db8::9]:5060;received=6.6.6.6;branch=z9hG4bKx', '::1', 5060),
    'SIP/2.0/UDP [2001:db8::9]:5060;received=::1;branch=z9hG4bKx',
  );
});

test('topLevelComma ignores commas inside quotes and angle brackets', () => {
  assert.equal(topLevelComma('a;x="1,2",b'), 9);
  assert.equal(topLevelComma('<sip:a,b>;q=1'), -1);
  assert.equal(viaSentByHost('SIP / 2.0 / UDP   Host.Example.COM:5060 ;branch=1'), 'host.example.com');
  assert.equal(viaSentByHost('garbage'), undefined);
});
