import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLimits } from './limits.ts';
import { Recorder, sipRequest, waitFor } from './test-support.ts';
import { UdpTransport } from './udp.ts';

for (const host of ['127.0.0.1', '::1']) {
  test(`UDP on ${host}: datagrams both ways with the source address`, async (t) => {
    const limits = resolveLimits({ maxMessageBytes: 2000 });
    const ra = new Recorder();
    const rb = new Recorder();
    const a = new UdpTransport({ host, port: 0, limits }, ra);
    const b = new UdpTransport({ host, port: 0, limits }, rb);
    t.after(() => Promise.all([a.close(), b.close()]));
    await a.listen();
    await b.listen();
    assert.ok(a.address.port > 0);
    a.send(Buffer.from(sipRequest('OPTIONS', 1)), { host, port: b.address.port });
    await waitFor(() => rb.messages.length === 1, 'datagram at b');
    const m = rb.messages[0]!;
    assert.equal(m.source.transport, 'UDP');
    assert.equal(m.source.host, host);
    assert.equal(m.source.port, a.address.port);
    assert.equal(m.source.connectionId, undefined);
    assert.match(m.data.toString(), /^OPTIONS sip:bob@example.com SIP\/2.0\r\n/);

    // RFC 5626-style CRLF keep-alive datagrams are counted, not handed up; oversized ones are dropped
    a.send(Buffer.from('\r\n\r\n'), { host, port: b.address.port });
    a.send(Buffer.alloc(2500, 0x41), { host, port: b.address.port });
    b.send(Buffer.from(sipRequest('INFO', 2)), { host, port: a.address.port });
    await waitFor(() => ra.messages.length === 1 && rb.keepalives.length === 1 && rb.drops.length === 1, 'keepalive, drop, reply');
    assert.deepEqual(rb.drops, ['too-big']);
    assert.equal(rb.messages.length, 1);
  });
}

test('UDP send error is reported to the per-message callback, never thrown', async (t) => {
  const r = new Recorder();
  const a = new UdpTransport({ host: '127.0.0.1', port: 0, limits: resolveLimits() }, r);
  await a.listen();
  await a.close();
  let code = '';
  a.send(Buffer.from('x'), { host: '127.0.0.1', port: 9 }, (e) => (code = e.code));
  await waitFor(() => code !== '', 'error callback');
  assert.equal(code, 'SIP_ERR_TRANSPORT_CLOSED');
  t.diagnostic(`errors: ${r.errors.length}`);
});
