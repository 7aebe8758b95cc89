// A/B of two checkouts on the call path. On a shared 2-vCPU VM the clean maximum of run.ts moves by ±10–20 % between
// runs of the same code, so a change worth 5 % cannot be seen by comparing two runs. Here both checkouts run at once
// (`switchyard start` with roles api, edge, app, as run.ts's sy-single, each provisioned the same way), and take
// turns at closed-loop call steps: SIPp offers far more than either can take but keeps at most `--concurrent` calls
// up, so each step runs at that system's capacity without the retransmissions of an overload. A round is one step
// of each, in alternating order; the report is the per-round ratio B/A of the achieved calls/s and of the CPU per
// call (schedstat over every thread), and their medians: slow drifts of the machine hit both sides of a round alike.
//
//   node --import tsx bench/edge/ab.ts --a /path/to/checkout-a --b /path/to/checkout-b [--rounds 8] [--calls 6000]
//       [--concurrent 250] [--offered 3000] [--users 20] [--a-node-options '...'] [--b-node-options '...']
//
// `--a-node-options`/`--b-node-options` add to that side's NODE_OPTIONS: an A/B of runtime flags (V8's heap
// sizes, say) on one checkout is `--a . --b . --b-node-options '--max-semi-space-size=128'`.
//
// Each checkout needs its own node_modules (a `git worktree` can symlink this one's). Not part of the test suite.
// Everything started is stopped by its own PID at the end, also on failure and on Ctrl-C/SIGTERM.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findSipp } from '../../test/sip/interop/sipp.ts';
import { loadAverage } from '../support/proc.ts';
import { median, medianInterval } from '../support/stats.ts';
import { benchUsers, callStep, fmtRow, header, newSide, startUas, type Side } from './steps.ts';
import { startSwitchyardSystem } from './systems.ts';
import { benchStopper, stopOnSignals } from './cleanup.ts';

interface Args {
  a: string;
  b: string;
  rounds: number;
  calls: number;
  concurrent: number;
  offered: number;
  users: number;
  aNodeOptions: string;
  bNodeOptions: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { a: '', b: '', rounds: 8, calls: 6000, concurrent: 250, offered: 3000, users: 20, aNodeOptions: '', bNodeOptions: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${k}: value missing`);
    if (k === '--a' || k === '--b') args[k.slice(2) as 'a' | 'b'] = resolve(v);
    else if (k === '--a-node-options') args.aNodeOptions = v;
    else if (k === '--b-node-options') args.bNodeOptions = v;
    else if (k === '--rounds' || k === '--calls' || k === '--concurrent' || k === '--offered' || k === '--users') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${k}: a positive integer`);
      args[k.slice(2) as 'rounds' | 'calls' | 'concurrent' | 'offered' | 'users'] = n;
    } else throw new Error(`unknown option ${String(k)}`);
  }
  if (!args.a || !args.b) throw new Error('--a DIR and --b DIR are required');
  return args;
}


const sides: Side[] = [];
let base = '';
const stopAll = benchStopper(sides, () => base);

async function main(args: Args): Promise<void> {
  const bin = findSipp();
  if (!bin) throw new Error('sipp not found (Debian package sip-tester)');
  const opts = (o: string): string => (o ? ` (NODE_OPTIONS ${o})` : '');
  console.log(
    `edge A/B ${new Date().toISOString()}: A ${args.a}${opts(args.aNodeOptions)}, B ${args.b}${opts(args.bNodeOptions)}; ` +
      `load average ${loadAverage()}`,
  );
  const users = benchUsers(args.users);
  base = mkdtempSync(join(tmpdir(), 'sy-bench-ab-'));
  for (const [label, root, nodeOptions] of [['A', args.a, args.aNodeOptions], ['B', args.b, args.bNodeOptions]] as const) {
    const dir = join(base, label);
    mkdirSync(dir);
    const sys = await startSwitchyardSystem(users, (l) => console.log(l), 'single', { root, label, nodeOptions });
    sides.push(await newSide(sys, dir, users.calleeExtension, users));
  }
  console.log(`\n${header()}`);
  for (const side of sides) {
    await startUas(bin, side, users);
    // warm-up: JIT and the first allocations of the pools
    console.log(`${fmtRow(await callStep(bin, side, users, 200, 1000, 100))}  (warm-up)`);
  }
  const rate: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < args.rounds; round++) {
    // alternate who goes first: a drift within a round favours neither
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    const steps = [];
    for (const i of order) {
      const s = await callStep(bin, sides[i] as Side, users, args.offered, args.calls, 100, args.concurrent);
      console.log(fmtRow(s));
      steps[i] = s;
    }
    const [a, b] = steps;
    if (!a || !b || a.failed > 0 || b.failed > 0 || a.achieved === 0) {
      console.log('  round not counted (failed calls)');
      continue;
    }
    rate.push(b.achieved / a.achieved);
    cpu.push(b.cpuUs / a.cpuUs);
    console.log(`  round ${round + 1}: B/A calls/s ${(b.achieved / a.achieved).toFixed(3)}, CPU per call ${(b.cpuUs / a.cpuUs).toFixed(3)}`);
  }
  if (rate.length === 0) throw new Error('no round counted');
  const fmt = (xs: number[]) => {
    const ci = medianInterval(xs);
    return `median ${median(xs).toFixed(3)}, ${Math.round(100 * ci.coverage)} % interval ${ci.low.toFixed(3)}–${ci.high.toFixed(3)} ` +
      `(min ${Math.min(...xs).toFixed(3)}, max ${Math.max(...xs).toFixed(3)}, ${xs.length} rounds)`;
  };
  console.log(`\nB/A calls/s at capacity: ${fmt(rate)}`);
  console.log(`B/A CPU µs per call:     ${fmt(cpu)}`);
}

stopOnSignals(stopAll);
try {
  await main(parseArgs(process.argv.slice(2)));
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await stopAll();
}
