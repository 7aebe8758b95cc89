import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispositionOf, nextState, STATE_LABEL } from './states.ts';

test('RFC 4235 states as the active-calls view shows them; never backwards; terminated removes the row', () => {
  assert.equal(nextState(null, 'invite'), 'trying');
  assert.equal(nextState('trying', 'early'), 'early');
  assert.equal(nextState('early', 'confirmed'), 'confirmed');
  assert.equal(nextState('confirmed', 'early'), 'confirmed');
  assert.equal(nextState('early', 'terminated'), null);
  assert.deepEqual(STATE_LABEL, { trying: 'Call Setup', early: 'Ringing', confirmed: 'In call' });
});

test('disposition from the final status', () => {
  assert.equal(dispositionOf({ answered: true, cancelled: false, status: 200 }), 'answered');
  assert.equal(dispositionOf({ answered: false, cancelled: true, status: 487 }), 'cancelled');
  assert.equal(dispositionOf({ answered: false, cancelled: false, status: 486 }), 'busy');
  assert.equal(dispositionOf({ answered: false, cancelled: false, status: 603 }), 'rejected');
  assert.equal(dispositionOf({ answered: false, cancelled: false, status: 480 }), 'noAnswer');
  assert.equal(dispositionOf({ answered: false, cancelled: false, status: 404 }), 'failed');
});
