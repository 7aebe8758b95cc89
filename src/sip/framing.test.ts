import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramingError, StreamFramer, isKeepAlive, type FramerOutput } from './framing.ts';
import { parseMessage } from './message.ts';

const msg = (body: string, cl = true): Buffer => Buffer.from(
  `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n` +
  `Call-ID: c\r\nCSeq: 1 OPTIONS\r\n${cl ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`,
);
const frames = (out: FramerOutput[]): Buffer[] => out.filter((x): x is Buffer => Buffer.isBuffer(x));

test('byte-by-byte partial reads yield exactly the messages', () => {
  const a = msg('hello');
  const b = msg('');
  const stream = Buffer.concat([a, b]);
  const f = new StreamFramer();
  const out: FramerOutput[] = [];
  for (const byte of stream) out.push(...f.push(Buffer.from([byte])));
  const got = frames(out);
  assert.equal(got.length, 2);
  assert.ok(got[0]?.equals(a));
  assert.ok(got[1]?.equals(b));
  assert.equal(parseMessage(got[0] as Buffer).body.toString(), 'hello');
  assert.equal(f.pending, 0);
});

test('several messages and keep-alives in one chunk', () => {
  const f = new StreamFramer();
  const out = f.push(Buffer.concat([msg('x'), Buffer.from('\r\n\r\n'), msg('yy'), Buffer.from('\r\n')]));
  assert.equal(frames(out).length, 2);
  assert.deepEqual(out.filter(isKeepAlive).map((k) => (k as { keepalive: string }).keepalive), ['ping', 'pong']);
});

test('CRLFCRLF ping and CRLF pong (RFC 5626 §3.5.1)', () => {
  const f = new StreamFramer();
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n')), [{ keepalive: 'ping' }]);
  assert.deepEqual(f.push(Buffer.from('\r\n')), [{ keepalive: 'pong' }]);
});

test('a message split inside the body waits for the rest', () => {
  const a = msg('0123456789');
  const f = new StreamFramer();
  assert.equal(frames(f.push(a.subarray(0, a.length - 3))).length, 0);
  const got = frames(f.push(a.subarray(a.length - 3)));
  assert.ok(got[0]?.equals(a));
});

test('oversize message and bad Content-Length are framing errors; framer stays failed', () => {
  const f = new StreamFramer({ maxMessageBytes: 100 });
  const out = f.push(msg('x'.repeat(200)));
  assert.ok(out[0] instanceof FramingError);
  assert.equal((out[0] as FramingError).code, 'SIP_ERR_MESSAGE_TOO_LARGE');
  assert.deepEqual(f.push(msg('')), []);
  const g = new StreamFramer({ maxMessageBytes: 64 });
  const o2 = g.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x'.padEnd(200, 'x')));
  assert.ok(o2[0] instanceof FramingError, 'endless header section');
  const h = new StreamFramer();
  const o3 = h.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nContent-Length: -5\r\n\r\n'));
  assert.equal((o3[0] as FramingError).code, 'SIP_ERR_BAD_CONTENT_LENGTH');
  const k = new StreamFramer();
  const o4 = k.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nContent-Length: 5\r\nl: 13\r\n\r\n'));
  assert.equal((o4[0] as FramingError).code, 'SIP_ERR_BAD_CONTENT_LENGTH');
});

test('missing Content-Length on a stream frames as an empty body', () => {
  const f = new StreamFramer();
  const got = frames(f.push(msg('', false)));
  assert.equal(got.length, 1);
});
