// The V8 flags of bin/node-options.mjs reach every way of starting the platform (package.json's scripts spell them,
// bin/switchyard.mjs and the test/bench launcher import them), they take effect, and an operator's NODE_OPTIONS
// overrides them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_V8_FLAGS, platformNodeOptions } from '../../bin/node-options.mjs';
import { nodeOptionsOf } from '../e2e/support/process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const OURS = PLATFORM_V8_FLAGS.join(' ');

test('platformNodeOptions: our flags first, then the operator NODE_OPTIONS; the launcher takes each checkout’s own', async () => {
  assert.equal(platformNodeOptions(''), OURS);
  assert.equal(platformNodeOptions(' --max-semi-space-size=8 '), `${OURS}  --max-semi-space-size=8 `);
  assert.equal(await nodeOptionsOf(ROOT, '--trace-warnings'), `${OURS} --trace-warnings`);
  const old = mkdtempSync(join(tmpdir(), 'sy-old-checkout-'));
  try {
    assert.equal(await nodeOptionsOf(old, '--trace-warnings'), '--trace-warnings', 'a checkout without bin/node-options.mjs');
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
});

test('npm run switchyard and bin/switchyard.mjs start the command with the flags ahead of the operator’s', () => {
  // a preload that prints NODE_OPTIONS in the process that runs src/cli/main.ts (not in npm or the bin wrapper)
  const dir = mkdtempSync(join(tmpdir(), 'sy-node-options-'));
  try {
    const probe = join(dir, 'probe.mjs');
    writeFileSync(probe, "if (process.argv[1]?.endsWith('main.ts')) console.log(`NODE_OPTIONS=${process.env.NODE_OPTIONS}`);\n");
    const env = { ...process.env, NODE_OPTIONS: `--import=${probe}` };
    for (const [cmd, args] of [[process.execPath, ['bin/switchyard.mjs', 'help']], ['npm', ['run', '-s', 'switchyard', '--', 'help']]] as const) {
      const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
      const seen = /^NODE_OPTIONS=(.*)$/m.exec(r.stdout)?.[1];
      assert.equal(seen, `${OURS} --import=${probe}`, `${cmd} ${args.join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Young-generation capacity after enough short-lived allocation to grow it (two semi-spaces).
const grownNewSpaceMb = (nodeOptions: string): number => {
  const script = `const v8 = require('node:v8'); let a = [];
    for (let i = 0; i < 6e6; i++) { a.push({ i }); if (a.length > 1.5e6) a = []; }
    console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20);`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
};

test('the semi-space flag takes effect, and a later one from the operator wins', () => {
  // Node 20's default lets the new space grow to 2 × 16 MB
  assert.ok(grownNewSpaceMb(platformNodeOptions('')) > 32, 'grows beyond the default');
  assert.ok(grownNewSpaceMb(platformNodeOptions('--max-semi-space-size=8')) <= 16, 'the operator’s 8 MB');
});
