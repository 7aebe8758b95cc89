// RFC 3261 §17.1.1.1 / Table 4 timer values, plus RFC 6026 §8.4 (M) and §8.7 (L). All in milliseconds.
export interface TimerConfig {
  /** RTT estimate (default 500 ms). */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  T2: number;
  /** Maximum time a message stays in the network (default 5 s). */
  T4: number;
  /** Timer D for unreliable transports: "at least 32 s" (RFC 3261 §17.1.1.2). */
  D: number;
  /** RFC 3261 §17.2.1: send 100 Trying if the TU has not answered an INVITE within this time (default 200 ms). */
  trying100: number;
}

export const DEFAULT_TIMERS: TimerConfig = { T1: 500, T2: 4000, T4: 5000, D: 32_000, trying100: 200 };

export function resolveTimers(t: Partial<TimerConfig> = {}): TimerConfig {
  return { ...DEFAULT_TIMERS, ...t };
}

/** 64*T1: timers B, F, H, J, L, M (RFC 3261 Table 4, RFC 6026 §8.4, §8.7). */
export const sixtyFourT1 = (t: TimerConfig): number => 64 * t.T1;
