// Two transaction layers back to back over an in-memory UDP "wire" that loses chosen messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipResponse } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { MemoryNetwork } from './memory-sink.ts';
import { request, response } from './test-fixtures.ts';
import type { ServerTransaction } from './types.ts';

function pair() {
  const clock = new FakeClock();
  const net = new MemoryNetwork(clock, 10);
  let a!: TransactionLayer;
  let b!: TransactionLayer;
  const sinkA = net.attach({ host: '192.0.2.10', port: 5060, transport: 'UDP', receive: (m, s) => a.receive(m, s) });
  const sinkB = net.attach({ host: '198.51.100.7', port: 5060, transport: 'UDP', receive: (m, s) => b.receive(m, s) });
  a = new TransactionLayer({ sink: sinkA, clock });
  b = new TransactionLayer({ sink: sinkB, clock });
  return { clock, a, b, sinkA, sinkB };
}

test('lossy UDP: lost INVITEs retransmitted by A, lost 486 by G, lost ACK recovered by the next 486', () => {
  const { clock, a, b, sinkA, sinkB } = pair();
  sinkA.drop = (m, n) => (m.isRequest && m.method === 'INVITE' && n <= 2) || (m.isRequest && m.method === 'ACK' && n === 1);
  sinkB.drop = (m, n) => !m.isRequest && m.status === 486 && n === 1;
  const serverTxs: ServerTransaction[] = [];
  b.onRequest((req, tx) => {
    serverTxs.push(tx);
    tx.respond(response(req, 486, 'bob'));
  });
  const got: SipResponse[] = [];
  const req = request({ sentBy: '192.0.2.10:5060' });
  const tx = a.sendRequest(req, { transport: 'UDP', host: '198.51.100.7', port: 5060 }, { onResponse: (r) => got.push(r) });
  clock.tick(1510); // INVITE #3 (t=1500) arrives at 1510, 486 #1 lost
  assert.equal(serverTxs.length, 1);
  assert.equal(got.length, 0);
  clock.tick(510); // G at 2010 resends 486, arrives 2020; ACK #1 lost
  assert.deepEqual(got.map((r) => r.status), [486]);
  assert.equal(tx.state, 'completed');
  assert.equal(serverTxs[0]!.state, 'completed');
  clock.tick(1020); // G at 3010: 486 #3 arrives 3020 → ACK #2 arrives 3030
  assert.equal(serverTxs[0]!.state, 'confirmed');
  assert.equal(got.length, 1); // retransmitted 486 never reaches the TU
  assert.deepEqual(sinkA.times('INVITE'), [0, 500, 1500]);
  assert.equal(sinkA.count('ACK'), 2);
  assert.equal(sinkB.count('486 INVITE'), 3);
  clock.tick(40_000);
  assert.equal(a.stats.clientTransactions + b.stats.serverTransactions, 0);
  assert.equal(clock.pending, 0);
});

test('lossy UDP: lost non-INVITE responses recovered by request retransmission (E) and the Completed server', () => {
  const { clock, a, b, sinkB } = pair();
  sinkB.drop = (m, n) => !m.isRequest && m.status === 200 && n <= 2;
  let handled = 0;
  b.onRequest((req, tx) => {
    handled++;
    tx.respond(response(req, 200, 'reg'));
  });
  const got: number[] = [];
  a.sendRequest(request({ method: 'REGISTER', sentBy: '192.0.2.10:5060' }), { transport: 'UDP', host: '198.51.100.7', port: 5060 }, {
    onResponse: (r) => got.push(r.status),
  });
  clock.tick(1600);
  assert.equal(handled, 1); // the TU saw the REGISTER once; retransmissions absorbed by the server tx
  assert.deepEqual(got, [200]);
  assert.equal(sinkB.count('200 REGISTER'), 3);
});

test('lossy UDP: every INVITE lost → Timer B, local 408', () => {
  const { clock, a, sinkA } = pair();
  sinkA.drop = () => true;
  const got: number[] = [];
  a.sendRequest(request({ sentBy: '192.0.2.10:5060' }), { transport: 'UDP', host: '198.51.100.7', port: 5060 }, { onResponse: (r) => got.push(r.status) });
  clock.tick(32_000);
  assert.deepEqual(got, [408]);
  assert.equal(sinkA.count('INVITE'), 7);
});
