// After a final response a transaction keeps bytes, not parsed messages; what it shows and sends is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipMessage } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { again, request, response } from './test-fixtures.ts';
import type { ClientTransaction, SendTarget, ServerTransaction } from './types.ts';

const SRC = { transport: 'UDP' as const, host: '192.0.2.10', port: 5060 };

/** A sink that returns the bytes it "sent", as the stack does. */
class BytesSink extends RecordingSink {
  override send(msg: SipMessage, target: SendTarget): Buffer {
    super.send(msg, target);
    return msg.toBuffer();
  }
}

for (const Sink of [RecordingSink, BytesSink]) {
  test(`server (${Sink.name}): request and last response readable after release, retransmissions resend the same bytes`, () => {
    const clock = new FakeClock();
    const sink = new Sink(clock);
    const layer = new TransactionLayer({ sink, clock });
    const txs: ServerTransaction[] = [];
    layer.onRequest((_r, tx) => txs.push(tx));
    const req = request({ method: 'INVITE', branch: 'z9hG4bKrel1' });
    const wire = req.toBuffer().toString('latin1');
    layer.receive(req, SRC);
    const tx = txs[0]!;
    const busy = response(req, 486, 'busy1');
    const busyWire = busy.toBuffer().toString('latin1');
    tx.respond(busy);
    assert.equal(tx.state, 'completed');
    // the parsed objects were released: what comes back is equal, rebuilt from bytes
    assert.equal(tx.request.toBuffer().toString('latin1'), wire);
    assert.equal(tx.request.from.params.get('tag'), 'ftag1');
    assert.equal(tx.lastResponse!.status, 486);
    assert.equal(tx.lastResponse!.to.params.get('tag'), 'busy1');
    // Timer G and a retransmitted INVITE resend the final response byte for byte
    clock.tick(500);
    layer.receive(again(req), SRC);
    const finals = sink.sent.filter((r) => !r.msg.isRequest && r.msg.status === 486);
    assert.equal(finals.length, 3);
    for (const f of finals) assert.equal(f.msg.toBuffer().toString('latin1'), busyWire);
  });
}

test('server: a transport error for the released final response still reaches the transaction', () => {
  const clock = new FakeClock();
  const sink = new BytesSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const failures: string[] = [];
  let tx: ServerTransaction | undefined;
  layer.onRequest((_r, t) => {
    tx = t;
    t.onFailure((why) => failures.push(why));
  });
  const req = request({ method: 'BYE', branch: 'z9hG4bKrel2', toTag: 'b' });
  layer.receive(req, SRC);
  const ok = response(req, 200, 'b');
  tx!.respond(ok);
  assert.equal(tx!.state, 'completed');
  layer.reportTransportError(ok, 'ECONNREFUSED');
  assert.equal(tx!.state, 'terminated');
  assert.deepEqual(failures, ['transport']);
});

test('client: the request stays readable after the final response (rebuilt from the bytes sent)', () => {
  const clock = new FakeClock();
  const sink = new BytesSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const req = request({ method: 'INVITE', branch: 'z9hG4bKrel3' });
  const wire = req.toBuffer().toString('latin1');
  const seen: number[] = [];
  const tx: ClientTransaction = layer.sendRequest(req, { transport: 'UDP', host: '192.0.2.20', port: 5060 }, {
    onResponse: (res) => seen.push(res.status),
  });
  layer.receive(response(req, 200, 'to1'), SRC);
  assert.equal(tx.state, 'accepted');
  assert.equal(tx.request.toBuffer().toString('latin1'), wire);
  assert.equal(tx.request.method, 'INVITE');
  // RFC 6026 §7.2: 2xx retransmissions still reach the TU in Accepted
  layer.receive(response(req, 200, 'to1'), SRC);
  assert.deepEqual(seen, [200, 200]);
});
