import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRtcp, parseRtp, parseTelephoneEvent, serializeRtp, serializeTelephoneEvent, writeRtpHeader } from './rtp.ts';

test('parses a plain PCMU packet (RFC 3550 §5.1 layout)', () => {
  const buf = Buffer.concat([Buffer.from('8080000a000003e812345678', 'hex'), Buffer.alloc(160, 0xff)]);
  const r = parseRtp(buf);
  assert.ok(r.ok);
  const p = r.packet;
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 0);
  assert.equal(p.sequence, 10);
  assert.equal(p.timestamp, 1000);
  assert.equal(p.ssrc, 0x12345678);
  assert.deepEqual(p.csrc, []);
  assert.equal(p.payload.length, 160);
  assert.equal(p.padding, 0);
  assert.equal(p.payload.buffer, buf.buffer, 'payload is a view, not a copy');
});

test('serialise → parse round trip with CSRC, extension and padding', () => {
  const payload = Buffer.from([1, 2, 3, 4, 5]);
  const ext = { profile: 0xbede, data: Buffer.from([0x10, 0xaa, 0, 0]) };
  const buf = serializeRtp({
    payloadType: 101, sequence: 65535, timestamp: 0xffffffff, ssrc: 0xdeadbeef, marker: false,
    csrc: [1, 0xffffffff], extension: ext, padding: 3, payload,
  });
  assert.equal(buf.length, 12 + 8 + 8 + 5 + 3);
  assert.equal(buf[0], 0x80 | 0x20 | 0x10 | 2);
  const r = parseRtp(buf);
  assert.ok(r.ok);
  assert.equal(r.packet.payloadType, 101);
  assert.equal(r.packet.sequence, 65535);
  assert.equal(r.packet.timestamp, 0xffffffff);
  assert.equal(r.packet.ssrc, 0xdeadbeef);
  assert.deepEqual(r.packet.csrc, [1, 0xffffffff]);
  assert.deepEqual(r.packet.extension, ext);
  assert.equal(r.packet.padding, 3);
  assert.deepEqual(r.packet.payload, payload);
});

test('writeRtpHeader rewrites a reused buffer in place', () => {
  const buf = Buffer.alloc(12 + 160);
  writeRtpHeader(buf, 8, 70000, 2 ** 32 + 5, 7, true);
  const r = parseRtp(buf);
  assert.ok(r.ok);
  assert.equal(r.packet.payloadType, 8);
  assert.equal(r.packet.sequence, 70000 & 0xffff);
  assert.equal(r.packet.timestamp, 5);
  assert.equal(r.packet.marker, true);
});

test('malformed packets are coded values', () => {
  const code = (b: Buffer): string | undefined => {
    const r = parseRtp(b);
    return r.ok ? undefined : r.code;
  };
  assert.equal(code(Buffer.alloc(11)), 'RTP_ERR_TOO_SHORT');
  assert.equal(code(Buffer.from('400000000000000000000000', 'hex')), 'RTP_ERR_VERSION');
  assert.equal(code(Buffer.from('830000000000000000000000', 'hex')), 'RTP_ERR_TOO_SHORT'); // 3 CSRC missing
  assert.equal(code(Buffer.from('900000000000000000000000bede0002', 'hex')), 'RTP_ERR_BAD_EXTENSION');
  assert.equal(code(Buffer.from('a0000000000000000000000000', 'hex')), 'RTP_ERR_BAD_PADDING'); // count 0
  assert.equal(code(Buffer.from('a0000000000000000000000009', 'hex')), 'RTP_ERR_BAD_PADDING'); // beyond packet
});

test('RFC 4733 telephone-event payload', () => {
  const e = { event: 11, end: true, volume: 10, duration: 1280 };
  const b = serializeTelephoneEvent(e);
  assert.deepEqual([...b], [11, 0x8a, 0x05, 0x00]);
  assert.deepEqual(parseTelephoneEvent(b), e);
  assert.equal(parseTelephoneEvent(Buffer.alloc(3)), undefined);
});

test('RTCP is told apart from RTP by packet type (RFC 5761 §4)', () => {
  assert.equal(isRtcp(Buffer.from('80c8000600000001', 'hex')), true); // SR
  assert.equal(isRtcp(serializeRtp({ payloadType: 0, payload: Buffer.alloc(160) })), false);
  assert.equal(isRtcp(serializeRtp({ payloadType: 96, payload: Buffer.alloc(10) })), false);
});
