import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseRoute } from './response-route.ts';

const via = (transport: string, host: string, port: number | undefined, params: Record<string, string | null>) => ({
  transport,
  host,
  ...(port === undefined ? {} : { port }),
  params: new Map(Object.entries(params)),
});

test('UDP with rport: to received at the rport value (RFC 3581 §4)', () => {
  assert.deepEqual(responseRoute(via('UDP', '10.0.0.1', 5060, { rport: '40000', received: '192.0.2.1' })), {
    transport: 'UDP',
    host: '192.0.2.1',
    port: 40000,
  });
});

test('UDP without rport: received at the sent-by port, default 5060 (RFC 3261 §18.2.2)', () => {
  assert.deepEqual(responseRoute(via('udp', '10.0.0.1', undefined, { received: '192.0.2.1' })), {
    transport: 'UDP',
    host: '192.0.2.1',
    port: 5060,
  });
  assert.deepEqual(responseRoute(via('UDP', '10.0.0.1', 5070, {})), { transport: 'UDP', host: '10.0.0.1', port: 5070 });
  assert.deepEqual(responseRoute(via('UDP', '10.0.0.1', 5070, { maddr: '239.1.1.1' })), {
    transport: 'UDP',
    host: '239.1.1.1',
    port: 5070,
  });
});

test('reliable: the same connection first, else received at the sent-by port (TLS default 5061)', () => {
  assert.deepEqual(responseRoute(via('TLS', 'pc.example', undefined, { received: '192.0.2.9', rport: '33333' }), 'tls-1'), {
    transport: 'TLS',
    host: '192.0.2.9',
    port: 5061,
    connectionId: 'tls-1',
    reusePort: 33333,
  });
  assert.equal(responseRoute(via('SCTP', 'h', 1, {})), undefined);
});
