import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ownString } from './own-string.ts';

test('ownString: same characters, for short, long, sliced and concatenated strings', () => {
  const text = `INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-${Math.random()}\r\n`;
  const branch = text.slice(text.indexOf('z9hG4bK'), text.lastIndexOf('\r'));
  for (const s of ['', 'INVITE', branch, `${branch}|10.0.0.1:|INVITE`, 'é€😀'.repeat(9)]) assert.equal(ownString(s), s);
});

test('ownString: what it returns does not keep the text it was cut from alive', () => {
  // In a child with --expose-gc: 400 slices of 100 KB texts, kept as they are or through ownString, then a full GC.
  // Kept as slices they hold the 40 MB of texts; through ownString a few KB.
  const child = `
    const { ownString } = await import(${JSON.stringify(fileURLToPath(new URL('./own-string.ts', import.meta.url)))});
    const heap = (own) => {
      const keep = [];
      for (let i = 0; i < 400; i++) {
        const text = i + ':' + 'x'.repeat(100000) + Math.random();
        const part = text.slice(10, 60);
        keep.push(own ? ownString(part) : part);
      }
      globalThis.gc(); globalThis.gc();
      const used = process.memoryUsage().heapUsed;
      keep.length = 0;
      globalThis.gc(); globalThis.gc();
      return used - process.memoryUsage().heapUsed;
    };
    heap(true); // warm up
    console.log(JSON.stringify({ sliced: heap(false), own: heap(true) }));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', './bin/typescript.mjs', '--input-type=module', '-e', child], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  const { sliced, own } = JSON.parse(out) as { sliced: number; own: number };
  assert.ok(sliced > 30_000_000, `plain slices keep their texts (${sliced} bytes): the measurement works`);
  assert.ok(own < 5_000_000, `ownString results keep ${own} bytes`);
});
