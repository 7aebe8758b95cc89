// Memory phases of bench/edge/run.ts: per registration (the first REGISTER of N users creates N bindings) and per
// active call (calls held together). Both wait out the transaction state the load leaves behind before reading:
// Switchyard keeps a non-INVITE server transaction 64*T1 = 32 s after its final response (RFC 3261 §17.2.2
// Timer J) and an answered INVITE transaction 32 s in Accepted (RFC 6026 §7.1 Timer L, §7.2 Timer M); Kamailio
// keeps finished transactions for wt_timer (5 s). Readings taken earlier would count those as per-binding or
// per-call memory. The calls of both systems are held in the same window, so the waits are paid once. Both phases
// run before the ramps (run.ts): in a process that has been through an overload the heap's bookkeeping moves by
// more than what is measured.
import type { BenchUsers } from './systems.ts';
import { callStep, fmtRow, regStep, warmRegister, type Mem, type Side } from './steps.ts';
import { sleep } from '../support/proc.ts';

/** Timer J / L / M (64 × T1 = 32 s) plus margin. */
export const SETTLE_MS = 34_000;

/**
 * How long the builtin relay keeps a released port pair bound for reuse (port-pool.ts keepIdleMs, 30 s) plus its
 * sweep interval (5 s) and margin. Read sooner after calls, the baseline counts idle sockets that are closed during
 * the hold (after a ramp, thousands: the per-call figure came out too small, even negative).
 */
const RELAY_IDLE_MS = 37_000;

async function reading(side: Side): Promise<Mem> {
  return { state: await side.sys.memory(), resident: side.sys.resident() };
}

const perUnit = (a: Mem, b: Mem, n: number): Mem => ({ state: (b.state - a.state) / Math.max(1, n), resident: (b.resident - a.resident) / Math.max(1, n) });

/** First REGISTER of every user at `rate` on each side in turn; memory before, and after the transactions are gone. */
export async function registrationMemory(bin: string, sides: Side[], users: BenchUsers, n: number, rate: number, read = true): Promise<void> {
  // one REGISTER first (the caller, not one of the N): code compiled on first use is not counted per binding
  for (const side of sides) await warmRegister(bin, side, users.caller);
  await sleep(1000);
  const before = new Map<Side, Mem>();
  for (const side of sides) before.set(side, await reading(side));
  const ok = new Map<Side, number>();
  for (const side of sides) {
    const s = await regStep(bin, side, rate, n);
    console.log(`${fmtRow(s)}  (first pass)`);
    ok.set(side, s.ok);
  }
  if (!read) return;
  await sleep(SETTLE_MS);
  for (const side of sides) side.memPerReg = perUnit(before.get(side)!, await reading(side), ok.get(side)!);
}

/** Longest wait for calls left in progress: Timer C (3 min, RFC 3261 §16.6) bounds an unanswered B leg. */
const LEFTOVER_CALLS_MS = 240_000;

/**
 * Waits until no side has calls in progress. Since the phase runs before the ramps (run.ts) only the warm-up's
 * calls can be left, and they end within a second; the wait stays as a guard. Calls ending during the hold would
 * make the per-call figure too small (−10 KB per call in one run, when the phase came after a failed ramp step whose
 * calls ended by Timer C or media inactivity minutes later).
 */
async function noCallsInProgress(sides: Side[]): Promise<void> {
  for (const side of sides) {
    const count = side.sys.callsInProgress;
    if (!count) continue;
    const t0 = Date.now();
    let n = await count();
    while (n > 0 && Date.now() - t0 < LEFTOVER_CALLS_MS) {
      await sleep(2000);
      n = await count();
    }
    const waited = Math.round((Date.now() - t0) / 1000);
    if (n > 0) console.log(`warning: ${side.sys.label} still has ${n} calls in progress after ${waited} s; memory per call is read anyway`);
    else if (waited > 0) console.log(`${side.sys.label}: waited ${waited} s for calls in progress to end`);
  }
}

/**
 * `calls` calls at `rate` on every side at once, each held until both readings are taken: early (all up, 5 s after
 * the last INVITE: transactions still held) and steady (after SETTLE_MS: what an established call keeps). The hold
 * stays under the builtin media engine's 60 s inactivity timeout (SIPp sends no RTP).
 */
export async function callMemory(bin: string, sides: Side[], users: BenchUsers, rate: number, calls: number): Promise<void> {
  await noCallsInProgress(sides);
  // then the last calls' transactions and the relay's idle port pairs go
  await sleep(Math.max(SETTLE_MS, RELAY_IDLE_MS));
  const before = new Map<Side, Mem>();
  for (const side of sides) before.set(side, await reading(side));
  const rampMs = (calls / rate) * 1000;
  // the first call must outlive the steady reading (taken ~rampMs + SETTLE_MS + 3 s after it started)
  const holdMs = Math.round(rampMs + SETTLE_MS + 8000);
  if (holdMs > 55_000) console.log(`warning: calls held ${Math.round(holdMs / 1000)} s, near the media engine's 60 s inactivity timeout; lower --hold-calls or raise --hold-rate`);
  const early = new Map<Side, Mem>();
  const steady = new Map<Side, Mem>();
  const sampler = (async () => {
    await sleep(rampMs + 5000);
    for (const side of sides) early.set(side, await reading(side));
    await sleep(SETTLE_MS - 3000);
    for (const side of sides) steady.set(side, await reading(side));
  })();
  const steps = await Promise.all(sides.map((side) => callStep(bin, side, users, rate, calls, holdMs)));
  await sampler;
  sides.forEach((side, i) => {
    const s = steps[i]!;
    console.log(`${fmtRow(s)}  (held ${Math.round(holdMs / 1000)} s)`);
    side.held = s.ok;
    const b = before.get(side)!;
    if (early.has(side)) side.memPerCallEarly = perUnit(b, early.get(side)!, s.ok);
    if (steady.has(side)) side.memPerCall = perUnit(b, steady.get(side)!, s.ok);
  });
}
