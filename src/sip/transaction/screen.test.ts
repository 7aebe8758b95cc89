// The pre-transaction screen hook (TransactionLayer.screenRequests / SipStack.onBeforeRequest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import type { SipRequest } from '../message.ts';
import { TransactionLayer } from './layer.ts';
import { RecordingSink } from './memory-sink.ts';
import { again, request, response } from './test-fixtures.ts';
import type { MessageSource, ServerTransaction } from './types.ts';

const BANNED: MessageSource = { transport: 'UDP', host: '203.0.113.66', port: 5060 };
const GOOD: MessageSource = { transport: 'UDP', host: '192.0.2.10', port: 5060 };

function setup() {
  const clock = new FakeClock();
  const sink = new RecordingSink(clock);
  const layer = new TransactionLayer({ sink, clock });
  const txs: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  const screened: string[] = [];
  layer.onRequest((_req, tx) => txs.push(tx));
  layer.onAck((ack) => acks.push(ack));
  layer.screenRequests((req, source) => {
    screened.push(`${req.method} ${source.host}`);
    return source.host === BANNED.host ? 'drop' : undefined;
  });
  return { clock, sink, layer, txs, acks, screened };
}

test('screen: a dropped request creates no transaction, sends nothing, reaches no handler', () => {
  const { sink, layer, txs, clock } = setup();
  layer.receive(request({ method: 'INVITE', branch: 'z9hG4bKban1' }), BANNED);
  layer.receive(request({ method: 'REGISTER', branch: 'z9hG4bKban2' }), BANNED);
  clock.tick(1000); // no 100 Trying timer was started either
  assert.equal(txs.length, 0);
  assert.equal(sink.sent.length, 0);
  assert.equal(layer.stats.serverTransactions, 0);
  assert.equal(layer.stats.screened, 2);
});

test('screen: accepted requests go on as before; retransmissions are absorbed without asking again', () => {
  const { sink, layer, txs, screened } = setup();
  const req = request({ method: 'OPTIONS', branch: 'z9hG4bKok1' });
  layer.receive(req, GOOD);
  assert.equal(txs.length, 1);
  txs[0]!.respond(response(req, 200, 't1'));
  layer.receive(again(req), GOOD); // absorbed by the transaction: the screen is not consulted
  assert.deepEqual(screened, ['OPTIONS 192.0.2.10']);
  assert.equal(sink.count('200 OPTIONS'), 2);
  assert.equal(layer.stats.screened, 0);
});

test('screen: CANCEL and ACK for 2xx from a banned source are dropped too', () => {
  const { sink, layer, acks, txs } = setup();
  layer.receive(request({ method: 'CANCEL', branch: 'z9hG4bKnoinv' }), BANNED);
  layer.receive(request({ method: 'ACK', branch: 'z9hG4bKack2xx', toTag: 'x' }), BANNED);
  assert.equal(sink.sent.length, 0); // no 481 to the CANCEL
  assert.equal(acks.length, 0);
  assert.equal(txs.length, 0);
  assert.equal(layer.stats.screened, 2);
  // the same ACK from an accepted source reaches the core
  layer.receive(request({ method: 'ACK', branch: 'z9hG4bKack2xx', toTag: 'x' }), GOOD);
  assert.equal(acks.length, 1);
});

test('screen: removing the hook accepts everything again', () => {
  const { layer, txs } = setup();
  layer.screenRequests(undefined);
  layer.receive(request({ method: 'OPTIONS', branch: 'z9hG4bKafter' }), BANNED);
  assert.equal(txs.length, 1);
});
