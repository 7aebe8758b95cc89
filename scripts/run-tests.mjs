#!/usr/bin/env node
// Runs the test suite with node:test. Test files: src/**/*.test.ts (unit, next to their code) and
// test/**/*.test.ts (integration, interop). Arguments narrow the run to files whose path contains
// one of them: `npm test -- src/sip test/api`.
//
// When a selected file uses the store harness (test/support/stores.ts or postgres.ts), the run's shared
// resources are set up first by test/support/suite-setup.ts: a migrated PGlite template dump on disk and ONE
// throwaway PostgreSQL cluster with a migrated template database, passed to every test process through env
// (SWITCHYARD_TEST_*; see stores.ts). That process owns them and removes them when its stdin closes, so they go
// away however this runner ends (normal exit, failure, SIGINT/SIGTERM, even SIGKILL).
// Set SWITCHYARD_TEST_SHARED=0 to skip it (each test process then starts its own, as a file run alone does).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

/** Whether a test file imports the store harness, directly or through other test modules (relative imports). */
const HARNESS = new Set([join(root, 'test/support/stores.ts'), join(root, 'test/support/postgres.ts')]);
const IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g;
function usesHarness(file, seen = new Set()) {
  if (HARNESS.has(file)) return true;
  // Test files anywhere; modules under test/ only (src/ modules never import test/).
  if (seen.has(file) || !(file.endsWith('.test.ts') || file.startsWith(join(root, 'test')))) return false;
  seen.add(file);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  for (const m of text.matchAll(IMPORT)) if (usesHarness(join(dirname(file), m[1]), seen)) return true;
  return false;
}
const needsStores = process.env.SWITCHYARD_TEST_SHARED !== '0' && files.some((f) => usesHarness(join(root, f)));
if (process.env.SWITCHYARD_TEST_LIST === '1') {
  for (const f of files) console.log(`${usesHarness(join(root, f)) ? 'store' : '-    '} ${f}`);
  process.exit(0);
}

let setup = null; // the suite-setup child
let tests = null; // the node --test child
let ending = false;

/** Starts suite-setup.ts and resolves with the env it prints (null when it failed and CI allows going on). */
function startSetup() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/support/suite-setup.ts'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    setup = child;
    let out = '';
    let done = false;
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0 && !done) {
        done = true;
        resolve(JSON.parse(out.slice(0, nl)));
      }
    });
    child.once('exit', (code) => {
      setup = null;
      if (!done) {
        done = true;
        resolve({ failed: code ?? 1 });
      }
    });
  });
}

/** Closes the setup process's stdin (its signal to clean up) and waits for it, killing it after 60 s. */
function stopSetup() {
  const child = setup;
  if (!child) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.end();
  });
}

async function finish(code) {
  if (ending) return;
  ending = true;
  const t0 = performance.now();
  await stopSetup();
  if (needsStores) console.error(`# shared test resources removed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(code);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    // The test processes get the signal too when it came from the terminal; forward it when it did not.
    tests?.kill(signal);
    void finish(code);
  });
}

const env = { ...process.env, NODE_ENV: 'test' };
if (needsStores) {
  const t0 = performance.now();
  const r = await startSetup();
  if (r.failed !== undefined) {
    console.error(`# shared test resources: setup failed (exit ${r.failed})`);
    if (process.env.CI === 'true') await finish(1);
    console.error('# going on without them: each test process starts its own');
  } else {
    Object.assign(env, r.env);
    const pg = r.env.SWITCHYARD_TEST_PG_URL ? `PostgreSQL ${r.env.SWITCHYARD_TEST_PG_URL}` : 'no PostgreSQL (postgres suites skip)';
    console.error(`# shared test resources ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: PGlite template in ${r.env.SWITCHYARD_TEST_TMP}, ${pg}`);
  }
}
if (ending) await new Promise(() => {}); // a signal arrived during setup: finish() exits

const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()));
tests = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  cwd: root,
  env,
});
tests.once('exit', (code, signal) => {
  tests = null;
  void finish(code ?? (signal ? 1 : 0));
});
