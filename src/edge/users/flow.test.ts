// registrations.received: written by formatReceived, read back by parseReceived when an edge restarts.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatReceived, parseReceived, type Flow } from './flow.ts';

it('parseReceived reads back what formatReceived wrote (IPv4, IPv6, every transport) and refuses anything else', () => {
  const flows: Flow[] = [
    { transport: 'UDP', host: '192.0.2.7', port: 5060 },
    { transport: 'TCP', host: '2001:db8::7', port: 5062 },
    { transport: 'TLS', host: '::1', port: 5061 },
    { transport: 'WS', host: '198.51.100.1', port: 10080 },
    { transport: 'WSS', host: 'fe80::1', port: 65535 },
  ];
  for (const f of flows) assert.deepEqual(parseReceived(formatReceived(f)), f, formatReceived(f));
  assert.equal(formatReceived(flows[1]!), 'tcp:[2001:db8::7]:5062');
  for (const bad of ['', 'udp:192.0.2.7', 'sctp:192.0.2.7:5060', 'udp:192.0.2.7:0', 'udp:192.0.2.7:65536', 'udp:2001:db8::7:5060', 'UDP192.0.2.7:5060']) {
    assert.equal(parseReceived(bad), undefined, bad);
  }
});
