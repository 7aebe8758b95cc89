// Session timers (RFC 4028) for one leg of a call. The B2BUA runs the timer of each leg on its own: towards the
// caller it is the UAS (it honours the caller's Session-Expires, answers 422 below its Min-SE), towards the callee
// the UAC (it asks for the same interval). On each leg either we refresh (refresher = us) or we expect the peer to,
// and when a session expires without refresh the call is torn down with BYE on both legs (§10).
import type { Clock, TimerHandle } from '../sip/clock.ts';
import type { SipHeaders } from '../sip/message.ts';

/** Our policy: Min-SE we accept (RFC 4028 §4 recommends ≥ 90 s) and the interval we ask of callees. */
export interface SessionTimerPolicy {
  minSeS: number;
  /** Session-Expires sent on B legs when the caller asked for none (default 1800 s, §4 recommendation). */
  defaultSeS: number;
}

export const DEFAULT_SESSION_TIMERS: SessionTimerPolicy = { minSeS: 90, defaultSeS: 1800 };

/** The timer agreed on one leg: who refreshes, how often. */
export interface LegTimerSpec {
  intervalS: number;
  refresher: 'us' | 'peer';
}

/** Session-Expires: `delta-seconds [;refresher=uac|uas]` (§4). */
export function parseSessionExpires(v: string | undefined): { seconds: number; refresher?: 'uac' | 'uas' } | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d{1,9})\s*(?:;(.*))?$/.exec(v);
  if (!m) return undefined;
  const r = /(?:^|;)\s*refresher\s*=\s*(uac|uas)\b/i.exec(m[2] ?? '');
  const refresher = r?.[1]?.toLowerCase() as 'uac' | 'uas' | undefined;
  return { seconds: Number(m[1]), ...(refresher ? { refresher } : {}) };
}

function tokens(h: SipHeaders, name: string): string[] {
  return h.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
}

export const supportsTimer = (h: SipHeaders): boolean => tokens(h, 'supported').includes('timer') || tokens(h, 'require').includes('timer');

export const allowsMethod = (h: SipHeaders, method: string): boolean => tokens(h, 'allow').includes(method.toLowerCase());

export type UasTimerDecision =
  | { ok: true; spec: LegTimerSpec | undefined; peerSupports: boolean }
  | { ok: false; status: 422; reason: 'Session Interval Too Small'; minSeS: number };

/**
 * RFC 4028 §9: the UAS side of an INVITE (initial or refresh). Session-Expires below our Min-SE → 422 with our Min-SE.
 * No Session-Expires → no timer on this leg. The caller's refresher choice is kept; when it made none, the caller
 * refreshes if it supports timers, else we do (§9: a UAC without support cannot be made the refresher).
 */
export function negotiateUas(h: SipHeaders, policy: SessionTimerPolicy): UasTimerDecision {
  const peerSupports = supportsTimer(h);
  const se = parseSessionExpires(h.get('session-expires'));
  if (!se) return { ok: true, spec: undefined, peerSupports };
  if (se.seconds < policy.minSeS) return { ok: false, status: 422, reason: 'Session Interval Too Small', minSeS: policy.minSeS };
  const refresher = se.refresher ?? (peerSupports ? 'uac' : 'uas');
  return { ok: true, spec: { intervalS: se.seconds, refresher: refresher === 'uac' && peerSupports ? 'peer' : 'us' }, peerSupports };
}

/** Headers of our 2xx on a leg where we are the UAS (§9: Require: timer when the UAC supports it). */
export function uasResponseHeaders(spec: LegTimerSpec, peerSupports: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [['Session-Expires', `${spec.intervalS};refresher=${spec.refresher === 'peer' ? 'uac' : 'uas'}`]];
  if (peerSupports) out.push(['Require', 'timer']);
  return out;
}

/**
 * Headers of our INVITE on a leg where we are the UAC (§7.1); we offer to refresh ourselves. `peerMinSeS`: the Min-SE
 * of a 422 from that leg (§7.4: the retry asks for at least that much and says so in its own Min-SE).
 */
export function uacRequestHeaders(intervalS: number, policy: SessionTimerPolicy, peerMinSeS = 0): Array<[string, string]> {
  const minSe = Math.max(policy.minSeS, peerMinSeS);
  return [['Supported', 'timer'], ['Session-Expires', String(Math.max(intervalS, minSe))], ['Min-SE', String(minSe)]];
}

/** Longest Min-SE of a 422 we retry with (a day): a larger one is not a session timer any more. */
export const MAX_PEER_MIN_SE_S = 86_400;

/** Min-SE: `delta-seconds *(;generic-param)` (§5); undefined when absent or malformed. */
export function parseMinSe(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d{1,9})\s*(?:;.*)?$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** The Min-SE of a peer's 422 that a retry can use (§7.4): present, well formed, at most MAX_PEER_MIN_SE_S. */
export function retryMinSe(h: SipHeaders): number | undefined {
  const minSe = parseMinSe(h.get('min-se'));
  return minSe !== undefined && minSe <= MAX_PEER_MIN_SE_S ? minSe : undefined;
}

/**
 * §7.2: the UAS's 2xx decides. No Session-Expires in it → no timer on this leg (the callee does not do timers and we
 * do not force refreshes on it). refresher=uac means us (we sent the INVITE), uas the callee.
 */
export function fromUacResponse(h: SipHeaders): LegTimerSpec | undefined {
  const se = parseSessionExpires(h.get('session-expires'));
  if (!se || se.seconds <= 0) return undefined;
  return { intervalS: se.seconds, refresher: se.refresher === 'uas' ? 'peer' : 'us' };
}

/**
 * One leg's timer. Refresher = us: `refresh()` at half the interval (§7.4), then again after each success.
 * Refresher = peer: `expired()` when no refresh arrived by the interval minus min(32 s, interval/3) (§10).
 * Either way `expired()` fires when the whole interval passes without a successful refresh.
 */
export class LegSessionTimer {
  #spec: LegTimerSpec;
  #refreshTimer: TimerHandle | undefined;
  #expiryTimer: TimerHandle | undefined;
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    spec: LegTimerSpec,
    private readonly h: { refresh(): void; expired(): void },
  ) {
    this.#spec = spec;
    this.#arm();
  }

  get spec(): LegTimerSpec {
    return this.#spec;
  }

  /** A refresh succeeded on this leg (a 2xx to re-INVITE/UPDATE, either direction); `spec` when renegotiated. */
  refreshed(spec?: LegTimerSpec): void {
    if (this.#stopped) return;
    if (spec) this.#spec = spec;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.clock.clearTimeout(this.#refreshTimer);
    this.clock.clearTimeout(this.#expiryTimer);
  }

  #arm(): void {
    this.clock.clearTimeout(this.#refreshTimer);
    this.clock.clearTimeout(this.#expiryTimer);
    const ms = this.#spec.intervalS * 1000;
    if (this.#spec.refresher === 'us') {
      this.#refreshTimer = this.clock.setTimeout(() => this.h.refresh(), ms / 2);
      this.#expiryTimer = this.clock.setTimeout(() => this.h.expired(), ms);
    } else {
      this.#expiryTimer = this.clock.setTimeout(() => this.h.expired(), ms - Math.min(32_000, ms / 3));
    }
  }
}
