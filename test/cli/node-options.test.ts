// The V8 flags of bin/node-options.mjs reach every way of starting the platform (package.json's scripts spell them,
// bin/switchyard.mjs and the test/bench launcher import them), they take effect, and an operator's NODE_OPTIONS
// overrides them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PLATFORM_V8_FLAGS, platformNodeOptions } from '../../bin/node-options.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;

test('package.json start and switchyard scripts put the platform flags ahead of the operator NODE_OPTIONS', () => {
  const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const name of ['start', 'switchyard']) {
    assert.ok(scripts[name]?.startsWith(`NODE_OPTIONS="${PLATFORM_V8_FLAGS.join(' ')} $NODE_OPTIONS" node `), `${name}: ${scripts[name]}`);
  }
  assert.equal(platformNodeOptions(''), PLATFORM_V8_FLAGS.join(' '));
  assert.equal(platformNodeOptions(' --max-semi-space-size=64 '), `${PLATFORM_V8_FLAGS.join(' ')}  --max-semi-space-size=64 `);
});

// Young-generation capacity after enough short-lived allocation to grow it to its limit (two semi-spaces).
const grownNewSpaceMb = (nodeOptions: string): number => {
  const script = `const v8 = require('node:v8'); let a = [];
    for (let i = 0; i < 6e6; i++) { a.push({ i }); if (a.length > 1.5e6) a = []; }
    console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20);`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
};

test('the semi-space flag takes effect, and a later one from the operator wins', () => {
  const semi = Number(/--max-semi-space-size=(\d+)/.exec(PLATFORM_V8_FLAGS.join(' '))?.[1]);
  assert.ok(semi > 16, 'larger than Node 20’s default of 16 MB');
  assert.equal(grownNewSpaceMb(platformNodeOptions('')), 2 * semi);
  assert.equal(grownNewSpaceMb(platformNodeOptions('--max-semi-space-size=8')), 16);
});
