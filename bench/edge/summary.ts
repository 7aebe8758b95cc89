// The summary table of bench/edge/run.ts: clean maxima and ratios against the issue-6 goals, CPU per operation,
// memory per registration and per active call, and the load average seen during the steps.
import { loadAverage } from './measure.ts';
import type { Args } from './run.ts';
import type { Mem, Side, Step } from './steps.ts';

const best = (steps: Step[]) => steps.filter((s) => s.clean).sort((a, b) => b.rate - a.rate)[0];
const completed = (steps: Step[] = []) => steps.filter((s) => s.completed).sort((a, b) => b.rate - a.rate)[0];
const kb = (b: number | undefined) => (b === undefined || !Number.isFinite(b) ? 'n/a' : `${(b / 1024).toFixed(2)} KB`);
const mem = (m: Mem | undefined, k: keyof Mem) => kb(m?.[k]);

export function summary(sides: Side[], args: Args): void {
  const k = sides.find((s) => s.sys.name === 'kamailio');
  const y = sides.find((s) => s.sys.name === 'switchyard');
  const row = (label: string, kv: string, yv: string, ratio = '', goal = '') =>
    console.log(`${label.padEnd(40)} ${kv.padStart(14)} ${yv.padStart(14)} ${ratio.padStart(10)} ${goal.padStart(7)}`);
  const loads = sides.flatMap((s) => [...s.reg, ...s.calls].map((t) => t.load));
  console.log(`\nsummary (${args.users} users, ${args.seconds} s per step; 1-min load average over the steps ${Math.min(...loads)}–${Math.max(...loads)}, now ${loadAverage()})`);
  row('measure', 'kamailio', 'switchyard', 'ratio', 'goal');
  const kr = k && best(k.reg);
  const yr = y && best(y.reg);
  const kc = k && best(k.calls);
  const yc = y && best(y.calls);
  // a Kamailio that never failed reached only the top of its ramp: its true maximum is higher, the ratio an upper bound
  const top = (kind: 'reg' | 'calls') => (k && k[kind].every((t) => t.clean) ? '≤' : '');
  const ratio = (kind: 'reg' | 'calls', a?: Step, b?: Step) => (a && b ? `${top(kind)}${(b.rate / a.rate).toFixed(3)}×` : 'n/a');
  const rd = (s?: Step) => (s ? `${s.retrans} / ${s.drops}` : 'n/a');
  const kcr = completed(k?.reg);
  const ycr = completed(y?.reg);
  const kcc = completed(k?.calls);
  const ycc = completed(y?.calls);
  row('clean REGISTER/s (digest, refresh)', String(kr?.rate ?? 'none'), String(yr?.rate ?? 'none'), ratio('reg', kr, yr), '≥0.5×');
  row('  retrans / drops at that rate', rd(kr), rd(yr));
  row('  completed (any retrans) REGISTER/s', String(kcr?.rate ?? 'none'), String(ycr?.rate ?? 'none'), ratio('reg', kcr, ycr));
  row('  retrans / drops at that rate', rd(kcr), rd(ycr));
  row('CPU µs per REGISTER at clean max', String(kr?.cpuUs ?? 'n/a'), String(yr?.cpuUs ?? 'n/a'));
  row('clean calls/s (auth INVITE, B2BUA)', String(kc?.rate ?? 'none'), String(yc?.rate ?? 'none'), ratio('calls', kc, yc), '≥0.25×');
  row('  retrans / drops at that rate', rd(kc), rd(yc));
  row('  completed (any retrans) calls/s', String(kcc?.rate ?? 'none'), String(ycc?.rate ?? 'none'), ratio('calls', kcc, ycc));
  row('  retrans / drops at that rate', rd(kcc), rd(ycc));
  row('CPU µs per call at clean max', String(kc?.cpuUs ?? 'n/a'), String(yc?.cpuUs ?? 'n/a'));
  // CPU compared at the highest rate both ran clean (per-operation cost falls as the rate rises: batching per wake-up)
  for (const [label, a, b] of [['REGISTER', k?.reg, y?.reg], ['call', k?.calls, y?.calls]] as const) {
    const common = (b ?? []).filter((x) => x.clean && (a ?? []).some((z) => z.clean && z.rate === x.rate)).sort((p, q) => q.rate - p.rate)[0];
    const ka = common && a?.find((z) => z.clean && z.rate === common.rate);
    if (common && ka) row(`CPU µs per ${label} at ${common.rate}/s`, String(ka.cpuUs), String(common.cpuUs), `${(common.cpuUs / Math.max(1, ka.cpuUs)).toFixed(1)}× cpu`);
  }
  row('memory per registration: state', mem(k?.memPerReg, 'state'), mem(y?.memPerReg, 'state'));
  row('memory per registration: resident', mem(k?.memPerReg, 'resident'), mem(y?.memPerReg, 'resident'));
  row(`memory per active call (${y?.held ?? k?.held ?? 0} held): state`, mem(k?.memPerCall, 'state'), mem(y?.memPerCall, 'state'));
  row('memory per active call: resident', mem(k?.memPerCall, 'resident'), mem(y?.memPerCall, 'resident'));
  row('  same, 5 s after set-up (+ transactions)', mem(k?.memPerCallEarly, 'state'), mem(y?.memPerCallEarly, 'state'));
  console.log('clean: 0 failed, ≥ 90 % of the offered rate sustained, retransmissions ≤ 1 %; completed: the same with any retransmissions; drops: by the system\'s own UDP socket');
  console.log('≤: Kamailio never failed, its clean maximum is above the top of its ramp (the ratio is an upper bound)');
  console.log('state = Kamailio shm in use (core.shmmem: usrloc and tm live there) / Switchyard JS heap + external after a forced full GC');
  console.log('resident = Kamailio PSS summed over main + workers / Switchyard RSS after that GC; both after Timer J/L/M (32 s) expired');
}
