// CPU per thread of an idle `switchyard start` (started as bench/edge does: child process, temp DATA_DIR, free
// ports), over a few seconds, from /proc/PID/task/*/schedstat. Finds what burns CPU while nothing happens: the
// bench's "CPU per operation" counts every thread of the process.
//
//   node --import tsx bench/edge/threads.ts [seconds=5] [--inspect]
import { readdirSync, readFileSync } from 'node:fs';
import { startSwitchyard } from '../../test/e2e/support/process.ts';
import { freePort } from '../../test/sip/interop/sipp.ts';
import { childrenOf, sleep } from '../support/proc.ts';

const seconds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const env: Record<string, string> = {};
if (process.argv.includes('--inspect')) env.NODE_OPTIONS = `--inspect=127.0.0.1:${await freePort('127.0.0.1')}`;
const proc = await startSwitchyard(env);
try {
  const pid = childrenOf(process.pid, 'src/cli/main.ts')[0];
  if (pid === undefined) throw new Error('switchyard process not found');
  await sleep(3000); // start-up work settles
  const read = () => new Map(readdirSync(`/proc/${pid}/task`).map((t) => {
    const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
    const ns = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return [`${t} ${comm}`, ns] as const;
  }));
  const a = read();
  await sleep(seconds * 1000);
  const b = read();
  let total = 0;
  const rows = [...b].map(([k, ns]) => [k, ns - (a.get(k) ?? 0)] as const).sort((x, y) => y[1] - x[1]);
  for (const [, ns] of rows) total += ns;
  console.log(`idle switchyard pid ${pid}: ${((total / (seconds * 1e9)) * 100).toFixed(1)} % of one core over ${seconds} s`);
  for (const [k, ns] of rows.filter(([, ns]) => ns > 0)) console.log(`${((ns / (seconds * 1e9)) * 100).toFixed(2).padStart(7)} %  ${k}`);
} finally {
  await proc.stop();
}
