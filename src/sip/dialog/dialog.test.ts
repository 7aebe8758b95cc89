import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.ts';
import { createResponse, formatUri, type SipRequest, type SipResponse } from '../message.ts';
import { TransactionLayer } from '../transaction/layer.ts';
import { MemoryNetwork } from '../transaction/memory-sink.ts';
import { request } from '../transaction/test-fixtures.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import { dialogFromUacResponse, dialogFromUasRequest } from './create.ts';
import { DialogStore } from './store.ts';
import { UacInvite } from './uac-invite.ts';
import { Uas2xxRetransmitter } from './uas-2xx.ts';

// Record-Route as the UAS receives it: p1 is the proxy nearest the UAS (it added its entry last, on top).
const RR = ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'];

function inviteWithRR(): SipRequest {
  const r = request({ extra: RR.map((v): [string, string] => ['Record-Route', v]) });
  return r;
}

function ok(req: SipRequest, status: number, tag: string, contact = `<sip:bob@198.51.100.7:5060>`): SipResponse {
  return createResponse(req, status, undefined, {
    toTag: tag,
    headers: [['Contact', contact], ...req.headers.getAll('record-route').map((v): [string, string] => ['Record-Route', v])],
  });
}

test('UAC/UAS dialog creation: route sets (reversed for UAC), targets, CSeq, tags', () => {
  const inv = inviteWithRR();
  const res = ok(inv, 200, 'bobtag');
  const uac = dialogFromUacResponse(inv, res, '<sip:alice@192.0.2.10>')!;
  assert.deepEqual(uac.routeSet, [...RR].reverse());
  assert.equal(formatUri(uac.remoteTarget), 'sip:bob@198.51.100.7:5060');
  assert.equal(uac.localSeq, 1);
  assert.equal(uac.remoteSeq, undefined);
  assert.equal(uac.localTag, 'ftag1');
  assert.equal(uac.remoteTag, 'bobtag');
  const uas = dialogFromUasRequest(inv, 'bobtag', '<sip:bob@198.51.100.7>', 'confirmed')!;
  assert.deepEqual(uas.routeSet, RR);
  assert.equal(formatUri(uas.remoteTarget), 'sip:alice@192.0.2.10:5060');
  assert.equal(uas.remoteSeq, 1);
  assert.match(uas.localParty, /;tag=bobtag$/);
  // In-dialog request: R-URI = remote target, Route = route set, CSeq increments.
  const bye = uac.createRequest('BYE');
  assert.equal(bye.uriText, 'sip:bob@198.51.100.7:5060');
  assert.deepEqual(bye.headers.getAll('route'), [...RR].reverse());
  assert.deepEqual(bye.cseq, { seq: 2, method: 'BYE' });
  assert.equal(bye.to.params.get('tag'), 'bobtag');
  assert.equal(bye.from.params.get('tag'), 'ftag1');
  assert.equal(uac.createRequest('INFO').cseq.seq, 3);
  assert.equal(formatUri(uac.nextHop()), 'sip:p2.example.com;lr');
});

test('strict routing (first route without ;lr): R-URI = first route, remote target appended to Route', () => {
  const inv = request({ extra: [['Record-Route', '<sip:strict.example.com>']] });
  const d = dialogFromUacResponse(inv, ok(inv, 200, 't'), '<sip:a@h>')!;
  const r = d.createRequest('BYE');
  assert.equal(r.uriText, 'sip:strict.example.com');
  assert.deepEqual(r.headers.getAll('route'), ['<sip:bob@198.51.100.7:5060>']);
});

test('in-dialog requests: lower CSeq → 500, target refresh by re-INVITE and UPDATE, BYE ends, unknown → 481', () => {
  const inv = request({ cseq: 10 });
  const store = new DialogStore();
  const d = dialogFromUasRequest(inv, 'b', '<sip:bob@h>', 'confirmed')!;
  store.add(d);
  const inDialog = (o: Parameters<typeof request>[0]) => request({ toTag: 'b', ...o });
  const reinvite = inDialog({ method: 'INVITE', cseq: 11, extra: [] });
  reinvite.headers.set('Contact', '<sip:alice@192.0.2.99:5070>');
  const m1 = store.matchRequest(reinvite);
  assert.equal(m1.kind, 'dialog');
  assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.99:5070');
  const upd = inDialog({ method: 'UPDATE', cseq: 12 });
  upd.headers.set('Contact', '<sip:alice@192.0.2.100>');
  store.matchRequest(upd);
  assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.100');
  const info = inDialog({ method: 'INFO', cseq: 12 }); // INFO does not refresh the target; equal CSeq accepted
  info.headers.set('Contact', '<sip:elsewhere@x>');
  const mi = store.matchRequest(info);
  assert.ok(mi.kind === 'dialog' && mi.check.ok);
  assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.100');
  const old = store.matchRequest(inDialog({ method: 'INFO', cseq: 5 }));
  assert.ok(old.kind === 'dialog' && !old.check.ok);
  assert.equal(old.kind === 'dialog' && !old.check.ok && old.check.status, 500);
  // ACK reuses the INVITE's CSeq and is never "out of order".
  const ack = store.matchRequest(inDialog({ method: 'ACK', cseq: 11 }));
  assert.ok(ack.kind === 'dialog' && ack.check.ok);
  const unknown = store.matchRequest(request({ method: 'BYE', toTag: 'nope', cseq: 20 }));
  assert.equal(unknown.kind, 'unknown');
  assert.equal(unknown.kind === 'unknown' && unknown.status, 481);
  assert.equal(store.matchRequest(request({ method: 'OPTIONS' })).kind, 'out-of-dialog');
  const bye = store.matchRequest(inDialog({ method: 'BYE', cseq: 13 }));
  assert.equal(bye.kind, 'dialog');
  assert.equal(d.state, 'terminated');
  assert.equal(store.size, 0);
  assert.equal(store.matchRequest(inDialog({ method: 'BYE', cseq: 14 })).kind, 'unknown');
});

function net() {
  const clock = new FakeClock();
  const n = new MemoryNetwork(clock, 5);
  let a!: TransactionLayer;
  let b!: TransactionLayer;
  const sinkA = n.attach({ host: '192.0.2.10', port: 5060, transport: 'UDP', receive: (m, s) => a.receive(m, s) });
  const sinkB = n.attach({ host: '198.51.100.7', port: 5060, transport: 'UDP', receive: (m, s) => b.receive(m, s) });
  a = new TransactionLayer({ sink: sinkA, clock, sentBy: () => ({ host: '192.0.2.10', port: 5060 }) });
  b = new TransactionLayer({ sink: sinkB, clock, sentBy: () => ({ host: '198.51.100.7', port: 5060 }) });
  return { clock, a, b, sinkA, sinkB };
}

const TO_B = { transport: 'UDP' as const, host: '198.51.100.7', port: 5060 };

test('early dialog from 180 with tag, confirmed by 2xx with the same tag; ACK follows the route set', () => {
  const { clock, a, b, sinkA } = net();
  let serverTx: ServerTransaction | undefined;
  b.onRequest((req, tx) => {
    serverTx = tx;
    tx.respond(ok(req, 180, 'bob1'));
  });
  const store = new DialogStore();
  const events: string[] = [];
  const inv = inviteWithRR();
  inv.headers.delete('via');
  const uac = new UacInvite({
    layer: a, store, invite: inv, target: TO_B, localContact: '<sip:alice@192.0.2.10>',
    handlers: {
      onProvisional: (r, d) => events.push(`${r.status}:${d?.state}`),
      onEstablished: (d) => events.push(`up:${d.state}`),
    },
  });
  clock.tick(20);
  assert.deepEqual(events, ['180:early']);
  const early = uac.early.get('bob1')!;
  assert.equal(store.size, 1);
  serverTx!.respond(ok(serverTx!.request, 200, 'bob1', '<sip:bob@198.51.100.7:5080>'));
  clock.tick(20);
  assert.deepEqual(events, ['180:early', 'up:confirmed']);
  assert.equal(uac.confirmed, early); // the same dialog object, now confirmed
  assert.equal(formatUri(early.remoteTarget), 'sip:bob@198.51.100.7:5080');
  const ack = sinkA.last('ACK') as SipRequest;
  assert.notEqual(ack.topVia.branch, inv.topVia.branch); // 2xx ACK is its own transaction-less request
  assert.deepEqual(ack.headers.getAll('route'), [...RR].reverse());
  assert.equal(ack.uriText, 'sip:bob@198.51.100.7:5080');
  assert.deepEqual(ack.cseq, { seq: 1, method: 'ACK' });
});

test('forking: two 2xx → two dialogs; the extra one is ACKed and BYEd (§13.2.2.4); retransmitted 2xx re-ACKed', () => {
  const { clock, a, b, sinkA } = net();
  const byes: SipRequest[] = [];
  b.onRequest((req, tx) => {
    if (req.method === 'BYE') {
      byes.push(req);
      tx.respond(createResponse(req, 200));
      return;
    }
    tx.respond(ok(req, 200, 'forkA'));
    tx.respond(ok(req, 200, 'forkB')); // a forking proxy relays a second 2xx
  });
  const store = new DialogStore();
  const established: string[] = [];
  const inv = request();
  inv.headers.delete('via');
  const uac = new UacInvite({
    layer: a, store, invite: inv, target: TO_B, localContact: '<sip:alice@192.0.2.10>',
    handlers: { onEstablished: (d) => established.push(d.remoteTag) },
  });
  clock.tick(50);
  assert.deepEqual(established, ['forkA']);
  assert.equal(sinkA.count('ACK'), 2);
  assert.equal(byes.length, 1);
  assert.equal(byes[0]!.to.params.get('tag'), 'forkB');
  assert.equal(store.size, 1);
  assert.equal(uac.confirmed?.remoteTag, 'forkA');
  // A late retransmission of forkA's 2xx after Timer M arrives as a stray response: ACK again.
  clock.tick(40_000);
  assert.equal(a.stats.clientTransactions, 0);
  assert.equal(uac.handleStray2xx(ok(inv, 200, 'forkA')), true);
  assert.equal(sinkA.count('ACK'), 3);
});

test('UAS 2xx retransmission: T1 doubling to T2 until ACK; gives up after 64*T1 without ACK', () => {
  const { clock, a, b, sinkB } = net();
  const acks: SipRequest[] = [];
  let rt: Uas2xxRetransmitter | undefined;
  let noAck = 0;
  b.onRequest((req, tx) => {
    rt = new Uas2xxRetransmitter(clock, b.timers, tx, ok(req, 200, 'bb'), () => noAck++);
  });
  b.onAck((ack) => {
    acks.push(ack);
    rt?.stop();
  });
  // UAC that never ACKs: plain client transaction.
  const inv = request();
  inv.headers.delete('via');
  a.sendRequest(inv, TO_B, {});
  clock.tick(32_010);
  assert.deepEqual(sinkB.times('200 INVITE'), [5, 505, 1505, 3505, 7505, 11505, 15505, 19505, 23505, 27505, 31505]);
  assert.equal(noAck, 1);
  // With an ACKing UAC it stops at the ACK.
  const n2 = net();
  let rt2: Uas2xxRetransmitter | undefined;
  n2.b.onRequest((req, tx) => {
    rt2 = new Uas2xxRetransmitter(n2.clock, n2.b.timers, tx, ok(req, 200, 'bb'), () => assert.fail('gave up'));
  });
  n2.b.onAck(() => rt2?.stop());
  const inv2 = request();
  inv2.headers.delete('via');
  n2.sinkA.drop = (m, n) => m.isRequest && m.method === 'ACK' && n === 1; // first ACK lost
  new UacInvite({ layer: n2.a, store: new DialogStore(), invite: inv2, target: TO_B, localContact: '<sip:a@192.0.2.10>' });
  n2.clock.tick(40_000);
  assert.equal(n2.sinkB.count('200 INVITE'), 2); // one retransmission brought the second ACK
  assert.equal(rt2?.stopped, true);
});

test('UacInvite.release(): the ended call is forgotten; 2xx retransmissions are still ACKed, a late fork 2xx is ACKed and BYEd, late 1xx make no dialog', () => {
  const { clock, a, b, sinkA } = net();
  const byes: SipRequest[] = [];
  let serverTx: ServerTransaction | undefined;
  b.onRequest((req, tx) => {
    if (req.method === 'BYE') {
      byes.push(req);
      tx.respond(createResponse(req, 200));
      return;
    }
    serverTx = tx;
    tx.respond(ok(req, 180, 'early2'));
    tx.respond(ok(req, 200, 'forkA'));
  });
  const store = new DialogStore();
  const events: string[] = [];
  const inv = request();
  inv.headers.delete('via');
  const uac = new UacInvite({
    layer: a, store, invite: inv, target: TO_B, localContact: '<sip:alice@192.0.2.10>',
    handlers: { onEstablished: (d) => events.push(`up:${d.remoteTag}`), onProvisional: (r) => events.push(`${r.status}`) },
  });
  clock.tick(50);
  assert.deepEqual(events, ['180', 'up:forkA']);
  assert.equal(store.size, 2, 'the confirmed dialog and the early dialog of the other fork');
  assert.equal(sinkA.count('ACK'), 1);

  uac.release();
  assert.equal(uac.confirmed, undefined);
  assert.equal(uac.early.size, 0);
  assert.equal(store.size, 1, 'the early dialog is gone from the store; the confirmed one is the owner\'s to end');
  // the INVITE transaction is still in Accepted (Timer M): a 2xx retransmission is ACKed again, nothing reaches the TU
  serverTx!.respond(ok(serverTx!.request, 200, 'forkA'));
  clock.tick(20);
  assert.equal(sinkA.count('ACK'), 2);
  // a 1xx of another fork makes no dialog now; a late 2xx of it is ACKed and ended with BYE (§13.2.2.4)
  serverTx!.respond(ok(serverTx!.request, 200, 'forkC'));
  clock.tick(20);
  assert.equal(sinkA.count('ACK'), 3);
  assert.deepEqual(byes.map((r) => r.to.params.get('tag')), ['forkC']);
  assert.deepEqual(events, ['180', 'up:forkA'], 'no callback after release');
  assert.equal(store.size, 1);
});
