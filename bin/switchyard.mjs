#!/usr/bin/env node
// The installed `switchyard` command: runs src/cli/main.ts with the TypeScript loader of bin/typescript.mjs (no build
// step) in a child process and passes signals and the exit code through.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { platformNodeOptions } from './node-options.mjs';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const loader = new URL('./typescript.mjs', import.meta.url).href;
const child = spawn(process.execPath, ['--import', loader, main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: platformNodeOptions() },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1);
});
