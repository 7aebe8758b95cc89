// The shared wait-timer queue (Timers D, I, J, K, L, M) and how transactions use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import { ExpiryQueue, type Expirable } from './expiry.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { request, response } from './test-fixtures.ts';
import type { ServerTransaction } from './types.ts';

/** A stand-in transaction: records when it expired; `end()` is a termination by other means. */
class Waiter implements Expirable {
  expiryQueue: ExpiryQueue | undefined;
  expiredAt: number | undefined;
  constructor(
    readonly name: string,
    private readonly clock: FakeClock,
    private readonly log: string[],
  ) {}
  wait(q: ExpiryQueue): void {
    q.enter(this);
  }
  terminate(): void {
    this.expiredAt = this.clock.now();
    this.log.push(this.name);
  }
  end(): void {
    ExpiryQueue.leave(this);
  }
}

test('expiry queue: each entry ends exactly its length after it was added, in order, one clock timer', () => {
  const clock = new FakeClock(0);
  const q = new ExpiryQueue(1000, clock);
  const log: string[] = [];
  const a = new Waiter('a', clock, log);
  const b = new Waiter('b', clock, log);
  const c = new Waiter('c', clock, log);
  a.wait(q);
  clock.tick(300);
  b.wait(q);
  c.wait(q);
  assert.equal(clock.pending, 1);
  assert.equal(q.size, 3);
  clock.tick(699);
  assert.deepEqual(log, []);
  clock.tick(1);
  assert.deepEqual(log, ['a']);
  clock.tick(300);
  assert.deepEqual(log, ['a', 'b', 'c']);
  assert.equal(b.expiredAt, 1300);
  assert.equal(q.size, 0);
  assert.equal(clock.pending, 0);
});

test('expiry queue: entries ended another way are skipped; none left waiting leaves no clock timer', () => {
  const clock = new FakeClock(0);
  const q = new ExpiryQueue(500, clock);
  const log: string[] = [];
  const a = new Waiter('a', clock, log);
  const b = new Waiter('b', clock, log);
  a.wait(q);
  clock.tick(100);
  b.wait(q);
  a.end();
  assert.equal(q.size, 1);
  clock.tick(500);
  assert.deepEqual(log, ['b']);
  assert.equal(clock.pending, 0);
  // the last waiting one ended early: the clock timer goes at once
  const c = new Waiter('c', clock, log);
  c.wait(q);
  assert.equal(clock.pending, 1);
  c.end();
  assert.equal(clock.pending, 0);
  clock.tick(1000);
  assert.deepEqual(log, ['b']);
});

test('expiry queue: many entries (front compaction) all end, in order', () => {
  const clock = new FakeClock(0);
  const q = new ExpiryQueue(64, clock);
  const log: string[] = [];
  const ws: Waiter[] = [];
  for (let i = 0; i < 5000; i++) {
    const w = new Waiter(String(i), clock, log);
    w.wait(q);
    ws.push(w);
    if (i % 100 === 99) clock.tick(1);
  }
  clock.tick(200);
  assert.equal(log.length, 5000);
  assert.deepEqual(log.slice(0, 3), ['0', '1', '2']);
  assert.equal(log.at(-1), '4999');
  assert.equal(clock.pending, 0);
});

test('server transaction: Timer J through the queue; a transport error in Completed leaves no timer behind', () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const txs: ServerTransaction[] = [];
  layer.onRequest((_r, tx) => txs.push(tx));
  const src = { transport: 'UDP' as const, host: '192.0.2.10', port: 5060 };
  const r1 = request({ method: 'BYE', branch: 'z9hG4bKexp1', toTag: 'b' });
  const r2 = request({ method: 'BYE', branch: 'z9hG4bKexp2', toTag: 'b' });
  layer.receive(r1, src);
  layer.receive(r2, src);
  const ok1 = response(r1, 200, 'b');
  txs[0]!.respond(ok1);
  txs[1]!.respond(response(r2, 200, 'b'));
  assert.equal(clock.pending, 1); // one queue timer for both Timer Js
  layer.reportTransportError(ok1, 'ECONNRESET');
  assert.equal(txs[0]!.state, 'terminated');
  assert.equal(txs[1]!.state, 'completed');
  clock.tick(32_000);
  assert.equal(txs[1]!.state, 'terminated');
  assert.equal(clock.pending, 0);
});

test('INVITE server transaction: no 200 ms Trying timer when the TU answers at once; one when it does not', () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const src = { transport: 'UDP' as const, host: '192.0.2.10', port: 5060 };
  let answer = true;
  layer.onRequest((req, tx) => {
    if (answer) tx.respond(response(req, 180, 't1'));
  });
  layer.receive(request({ method: 'INVITE', branch: 'z9hG4bKtry1' }), src);
  assert.equal(clock.pending, 0);
  answer = false;
  layer.receive(request({ method: 'INVITE', branch: 'z9hG4bKtry2' }), src);
  assert.equal(clock.pending, 1);
  clock.tick(200);
  assert.equal(sink.count('100 INVITE'), 1);
  layer.close();
  assert.equal(clock.pending, 0);
});
