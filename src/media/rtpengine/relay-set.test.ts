import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelaySet, rendezvous, type RelayAddress } from './relay-set.ts';

const A: RelayAddress = { host: '10.0.0.1', port: 2223, metric: 1 };
const B: RelayAddress = { host: '10.0.0.2', port: 2223, metric: 2 };
const C: RelayAddress = { host: '10.0.0.3', port: 2223, metric: 1 };
const wrap = (address: RelayAddress): { address: RelayAddress } => ({ address });

test('weighted rendezvous: metric 2 takes about twice the calls of metric 1', () => {
  const relays = [A, B].map(wrap);
  let a = 0;
  let b = 0;
  for (let i = 0; i < 6000; i++) {
    const r = rendezvous(`call-${i}@host`, relays);
    if (r?.address === A) a++;
    else b++;
  }
  // deterministic (hash of fixed call-ids): 1/3 vs 2/3 within a few percent
  assert.ok(Math.abs(a / 6000 - 1 / 3) < 0.03, `a=${a}`);
  assert.ok(Math.abs(b / 6000 - 2 / 3) < 0.03, `b=${b}`);
});

test('removing a relay moves only the calls it held', () => {
  const all = [A, B, C].map(wrap);
  const without = all.filter((r) => r.address !== C);
  for (let i = 0; i < 2000; i++) {
    const id = `x${i}`;
    const before = rendezvous(id, all);
    const after = rendezvous(id, without);
    if (before?.address !== C) assert.equal(after?.address, before?.address, id);
  }
});

test('sticky per call-id; new calls avoid relays marked down; unknown calls hash over all', () => {
  const set = new RelaySet([A, B, C]);
  try {
    const first = set.pick('c1', true);
    assert.ok(first);
    first.up = false;
    assert.equal(set.pick('c1', false), first, 'a call stays on its relay');
    for (let i = 0; i < 200; i++) assert.notEqual(set.pick(`n${i}`, true), first);
    assert.equal(set.stickyCount, 201);
    set.release('c1');
    assert.equal(set.stickyCount, 200);
    // a call created by another node: same hash over every relay, up or not
    assert.equal(set.pick('foreign', false)?.address, rendezvous('foreign', set.relays)?.address);
    for (const r of set.relays) r.up = false;
    assert.equal(set.pick('n-all-down', true), undefined);
    set.sweep(Date.now() + 7 * 3600_000);
    assert.equal(set.stickyCount, 0);
  } finally {
    set.close();
  }
});

test('a replacing set adopts the sticky calls whose relay it still lists', () => {
  const old = new RelaySet([A, B]);
  const next = new RelaySet([B, C]);
  try {
    const ids = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const picked = new Map(ids.map((id) => [id, old.pick(id, true)?.address]));
    next.adopt(old);
    const onB = ids.filter((id) => picked.get(id) === B);
    assert.ok(onB.length > 0);
    assert.equal(next.stickyCount, onB.length);
    for (const id of onB) assert.equal(next.pick(id, false)?.address, B);
  } finally {
    old.close();
    next.close();
  }
});
