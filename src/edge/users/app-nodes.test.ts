import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAppNodeSelector, type AppNode } from './app-nodes.ts';

const n = (host: string, port = 6060): AppNode => ({ host, port, transport: 'UDP' });

test('one node: always that one; none: undefined', () => {
  assert.deepEqual(createAppNodeSelector([n('127.0.0.1')]).pick(7), n('127.0.0.1'));
  assert.equal(createAppNodeSelector([]).pick(7), undefined);
});

test('hash: a client always lands on the same node, clients spread over nodes', () => {
  const s = createAppNodeSelector([n('10.0.0.1'), n('10.0.0.2'), n('10.0.0.3')], 'hash');
  for (let c = 1; c < 50; c++) assert.deepEqual(s.pick(c), s.pick(c));
  const used = new Set(Array.from({ length: 60 }, (_, c) => s.pick(c)!.host));
  assert.equal(used.size, 3);
});

test('round robin and static', () => {
  const rr = createAppNodeSelector([n('10.0.0.1'), n('10.0.0.2')], 'round-robin');
  assert.deepEqual([rr.pick(1), rr.pick(1), rr.pick(1)].map((x) => x!.host), ['10.0.0.1', '10.0.0.2', '10.0.0.1']);
  const st = createAppNodeSelector([n('10.0.0.1'), n('10.0.0.2')], 'static');
  assert.equal(st.pick(1, 1)!.host, '10.0.0.2');
  assert.ok(st.pick(1, 9), 'unknown static index falls back to the hash');
});

test('isAppNode: address (and UDP port) of a configured node', () => {
  const s = createAppNodeSelector([n('127.0.0.1', 6060)]);
  assert.equal(s.isAppNode('127.0.0.1', 6060), true);
  assert.equal(s.isAppNode('127.0.0.1', 5060), false);
  assert.equal(s.isAppNode('192.0.2.1', 6060), false);
});
