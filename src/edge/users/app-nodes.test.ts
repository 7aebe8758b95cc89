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

test('a node that is down gets no new calls: its clients spread over the others, the rest stay; none up: as if all were', () => {
  const nodes = [n('10.0.0.1'), n('10.0.0.2'), n('10.0.0.3')];
  const down = new Set<string>();
  const s = createAppNodeSelector(nodes, 'hash', (x) => !down.has(x.host));
  const before = Array.from({ length: 60 }, (_, c) => s.pick(c)!.host);
  down.add('10.0.0.2');
  const during = Array.from({ length: 60 }, (_, c) => s.pick(c)!.host);
  assert.equal(during.includes('10.0.0.2'), false);
  assert.deepEqual(new Set(during.filter((h, c) => before[c] === '10.0.0.2')), new Set(['10.0.0.1', '10.0.0.3']), 'spread over the others');
  during.forEach((h, c) => {
    if (before[c] !== '10.0.0.2') assert.equal(h, before[c], `client ${c} stays where it was`);
  });
  down.add('10.0.0.1').add('10.0.0.3');
  assert.deepEqual(Array.from({ length: 60 }, (_, c) => s.pick(c)!.host), before, 'none answers: the choice is as if all did');

  down.clear();
  down.add('10.0.0.1');
  const rr = createAppNodeSelector(nodes.slice(0, 2), 'round-robin', (x) => !down.has(x.host));
  assert.deepEqual([rr.pick(1), rr.pick(1), rr.pick(1)].map((x) => x!.host), ['10.0.0.2', '10.0.0.2', '10.0.0.2']);
  const st = createAppNodeSelector(nodes.slice(0, 2), 'static', (x) => !down.has(x.host));
  assert.equal(st.pick(1, 0)!.host, '10.0.0.1', 'a static assignment is kept (debugging)');
});
