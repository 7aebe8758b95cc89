// The summary table of bench/edge/run.ts: clean maxima and ratios against the issue-6 goals, CPU per operation,
// memory per registration and per active call, and the load average seen during the steps. One column per system
// (Kamailio, then each Switchyard topology); ratios are Switchyard / Kamailio, one per Switchyard topology.
import { loadAverage } from '../support/proc.ts';
import type { Args } from './run.ts';
import type { Mem, Side, Step } from './steps.ts';

const best = (steps: Step[] = []) => steps.filter((s) => s.clean).sort((a, b) => b.rate - a.rate)[0];
const completed = (steps: Step[] = []) => steps.filter((s) => s.completed).sort((a, b) => b.rate - a.rate)[0];
const kb = (b: number | undefined) => (b === undefined || !Number.isFinite(b) ? 'n/a' : `${(b / 1024).toFixed(2)} KB`);
const mem = (m: Mem | undefined, k: keyof Mem) => kb(m?.[k]);

export function summary(sides: Side[], args: Args): void {
  const k = sides.find((s) => s.sys.name === 'kamailio');
  const ys = sides.filter((s) => s.sys.name === 'switchyard');
  const cols = [k, ...ys];
  const row = (label: string, values: string[], ratios: string[] = [], goal = '') =>
    console.log(`${label.padEnd(42)} ${values.map((v) => v.padStart(12)).join(' ')} ${ratios.map((r) => r.padStart(11)).join(' ')} ${goal.padStart(7)}`);
  const per = (f: (s: Side | undefined) => string) => cols.map(f);
  const loads = sides.flatMap((s) => [...s.reg, ...s.calls].map((t) => t.load));
  console.log(`\nsummary (${args.users} users, ${args.seconds} s per step; 1-min load average over the steps ${Math.min(...loads)}–${Math.max(...loads)}, now ${loadAverage()})`);
  row('measure', per((s) => s?.sys.label ?? 'kamailio'), ys.map((y) => `${y.sys.label}/k`), 'goal');
  // a Kamailio that never failed reached only the top of its ramp: its true maximum is higher, the ratio an upper bound
  const top = (kind: 'reg' | 'calls') => (k && k[kind].every((t) => t.clean) ? '≤' : '');
  const ratio = (kind: 'reg' | 'calls', a?: Step, b?: Step) => (a && b ? `${top(kind)}${(b.rate / a.rate).toFixed(3)}×` : 'n/a');
  const rd = (s?: Step) => (s ? `${s.retrans} / ${s.drops}` : 'n/a');
  for (const [kind, name, goal] of [['reg', 'REGISTER', '≥0.5×'], ['calls', 'call', '≥0.25×']] as const) {
    const label = kind === 'reg' ? 'clean REGISTER/s (digest, refresh)' : 'clean calls/s (auth INVITE, B2BUA)';
    row(label, per((s) => String(best(s?.[kind])?.rate ?? 'none')), ys.map((y) => ratio(kind, best(k?.[kind]), best(y[kind]))), goal);
    row('  retrans / drops at that rate', per((s) => rd(best(s?.[kind]))));
    row(`  completed (any retrans) ${name}s/s`, per((s) => String(completed(s?.[kind])?.rate ?? 'none')), ys.map((y) => ratio(kind, completed(k?.[kind]), completed(y[kind]))));
    row('  retrans / drops at that rate', per((s) => rd(completed(s?.[kind]))));
    row(`CPU µs per ${name} at clean max`, per((s) => String(best(s?.[kind])?.cpuUs ?? 'n/a')));
    // CPU compared at the highest rate every system ran clean (per-operation cost falls as the rate rises)
    const common = (best(k?.[kind]) ? [...(k?.[kind] ?? [])] : []).filter((x) => x.clean && ys.every((y) => y[kind].some((z) => z.clean && z.rate === x.rate)))
      .sort((p, q) => q.rate - p.rate)[0];
    if (common) {
      const at = (s: Side | undefined) => s?.[kind].find((z) => z.clean && z.rate === common.rate);
      row(`CPU µs per ${name} at ${common.rate}/s`, per((s) => String(at(s)?.cpuUs ?? 'n/a')), ys.map((y) => `${((at(y)?.cpuUs ?? 0) / Math.max(1, common.cpuUs)).toFixed(1)}× cpu`));
    }
  }
  row('memory per registration: state', per((s) => mem(s?.memPerReg, 'state')));
  row('memory per registration: resident', per((s) => mem(s?.memPerReg, 'resident')));
  row(`memory per active call (${ys[0]?.held ?? k?.held ?? 0} held): state`, per((s) => mem(s?.memPerCall, 'state')));
  row('memory per active call: resident', per((s) => mem(s?.memPerCall, 'resident')));
  row('  same, 5 s after set-up (+ transactions)', per((s) => mem(s?.memPerCallEarly, 'state')));
  console.log('clean: 0 failed, ≥ 90 % of the offered rate sustained, retransmissions ≤ 1 %; completed: the same with any retransmissions; drops: by the system\'s own UDP sockets');
  console.log('≤: Kamailio never failed, its clean maximum is above the top of its ramp (the ratio is an upper bound)');
  console.log('state = Kamailio shm in use (core.shmmem: usrloc and tm live there) / Switchyard JS heap + external after a forced full GC, summed over its processes (+ Redis used_memory for sy-split)');
  console.log('resident = Kamailio PSS summed over main + workers / Switchyard RSS after that GC (sy-split: both Node processes + redis-server; PostgreSQL not counted); both after Timer J/L/M (32 s) expired');
  console.log('CPU = schedstat ns over every thread: Kamailio main + workers; sy-single the one process; sy-split both Switchyard processes + PostgreSQL (postmaster, backends) + redis-server');
}
