import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bufferedConsoleOutput } from './context.ts';

describe('bufferedConsoleOutput', () => {
  it('writes gathered stdout lines together, in order, and before any error line', async () => {
    const writes: Array<[string, string]> = [];
    const out = bufferedConsoleOutput({ write: (t: string) => writes.push(['out', t]) }, { write: (t: string) => writes.push(['err', t]) }, 5);
    out.info('a');
    out.info('b');
    assert.deepEqual(writes, [], 'nothing written synchronously');
    out.error('boom');
    assert.deepEqual(writes, [['out', 'a\nb\n'], ['err', 'boom\n']]);
    out.info('c');
    out.info('d');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(writes.slice(2), [['out', 'c\nd\n']], 'one write per coalescing window');
    out.info('e');
    out.flush();
    assert.deepEqual(writes.slice(3), [['out', 'e\n']]);
  });
});
