import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardRequestStateless, forwardResponseStateless, statelessBranch } from './stateless.ts';
import { request, response } from './test-fixtures.ts';

const ME = { transport: 'UDP' as const, host: '203.0.113.1', port: 5060 };

test('stateless branch: stable for retransmissions, shared by INVITE and CANCEL, distinct per transaction', () => {
  const b1 = statelessBranch(request());
  assert.equal(statelessBranch(request()), b1);
  assert.equal(statelessBranch(request({ method: 'CANCEL' })), b1);
  assert.notEqual(statelessBranch(request({ branch: 'z9hG4bKother' })), b1);
  assert.ok(b1.startsWith('z9hG4bK'));
  const n1 = statelessBranch(request({ branch: null }));
  assert.equal(statelessBranch(request({ branch: null, method: 'CANCEL' })), n1);
  assert.notEqual(statelessBranch(request({ branch: null, cseq: 2 })), n1);
});

test('forward request: Max-Forwards decremented, our Via on top, 483 at zero', () => {
  const r = forwardRequestStateless(request(), ME);
  assert.ok(r.ok);
  assert.equal(r.request.maxForwards, 69);
  assert.equal(r.request.via.length, 2);
  assert.equal(r.request.topVia.host, '203.0.113.1');
  const zero = request();
  zero.headers.set('Max-Forwards', '0');
  const z = forwardRequestStateless(zero, ME);
  assert.ok(!z.ok);
  assert.equal(z.status, 483);
});

test('forward response: our Via removed, target from received/rport of the next Via', () => {
  const fwd = forwardRequestStateless(request({ sentBy: '10.0.0.5:5062;received=198.51.100.9;rport=40123' }), ME);
  assert.ok(fwd.ok);
  const back = forwardResponseStateless(response(fwd.request, 180, 't'));
  assert.ok(back);
  assert.equal(back.response.via.length, 1);
  assert.deepEqual(back.target, { transport: 'UDP', host: '198.51.100.9', port: 40123 });
  const plain = forwardRequestStateless(request({ sentBy: '10.0.0.5:5062' }), ME);
  assert.ok(plain.ok);
  assert.deepEqual(forwardResponseStateless(response(plain.request, 200, 't'))!.target, { transport: 'UDP', host: '10.0.0.5', port: 5062 });
  assert.equal(forwardResponseStateless(response(request(), 200, 't')), undefined);
});
