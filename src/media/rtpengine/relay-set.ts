// A media relay set: several rtpengine instances, each with a metric (spec: "metric 1 vs metric 2 ⇒
// the second handles twice the calls"). A new call goes to one instance by weighted rendezvous hashing
// of its Call-ID over the healthy instances; later commands of the call go to the same instance:
// from a local sticky table, or, for calls this node did not create (another app node, a restart), by
// the same hash over all instances, which every node computes alike.
import { createHash } from 'node:crypto';
import { NgClient } from './ng-client.ts';

export interface RelayAddress {
  host: string;
  port: number;
  /** Relative share of new calls (≥ 1). */
  metric: number;
}

export interface Relay {
  readonly address: RelayAddress;
  readonly client: NgClient;
  /** False after a request timed out or a ping failed; a successful reply sets it back. */
  up: boolean;
}

export interface RelaySetOptions {
  timeoutMs?: number;
  retries?: number;
  /** Forget sticky entries of calls never deleted after this long (ms). */
  stickyTtlMs?: number;
}

export class RelaySet {
  readonly relays: Relay[];
  private readonly sticky = new Map<string, { relay: Relay; at: number }>();
  private readonly stickyTtlMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(addresses: readonly RelayAddress[], opts: RelaySetOptions = {}) {
    if (addresses.length === 0) throw new RangeError('a relay set needs at least one rtpengine');
    this.relays = addresses.map((address) => ({
      address,
      up: true,
      client: new NgClient({
        host: address.host,
        port: address.port,
        ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
        ...(opts.retries !== undefined && { retries: opts.retries }),
      }),
    }));
    this.stickyTtlMs = opts.stickyTtlMs ?? 6 * 3600_000;
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.min(this.stickyTtlMs, 60_000));
    this.sweeper.unref();
  }

  /** The instance that holds `callId`, or the one a new call should go to (undefined: all down). */
  pick(callId: string, isNew: boolean): Relay | undefined {
    const known = this.sticky.get(callId);
    if (known) return known.relay;
    const candidates = isNew ? this.relays.filter((r) => r.up) : this.relays;
    const relay = rendezvous(callId, candidates);
    if (relay && isNew) this.sticky.set(callId, { relay, at: Date.now() });
    return relay;
  }

  /** Takes over the sticky calls of a replaced set whose relay is still in this one. */
  adopt(old: RelaySet): void {
    const byKey = new Map(this.relays.map((r) => [key(r.address), r]));
    for (const [callId, e] of old.sticky) {
      const relay = byKey.get(key(e.relay.address));
      if (relay) this.sticky.set(callId, { relay, at: e.at });
    }
  }

  release(callId: string): void {
    this.sticky.delete(callId);
  }

  get stickyCount(): number {
    return this.sticky.size;
  }

  sweep(now: number): void {
    for (const [callId, e] of this.sticky) if (now - e.at > this.stickyTtlMs) this.sticky.delete(callId);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const r of this.relays) r.client.close();
    this.sticky.clear();
  }
}

function key(a: RelayAddress): string {
  return `${a.host}:${a.port}`;
}

/**
 * Weighted rendezvous (highest random weight) hashing: score = -metric / ln(u), u uniform in (0,1)
 * from a hash of (call-id, relay). The winner's share of call-ids is proportional to its metric, and
 * removing one relay only moves the calls that hashed to it.
 */
export function rendezvous<T extends { address: RelayAddress }>(callId: string, relays: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestScore = -Infinity;
  for (const r of relays) {
    const h = createHash('md5').update(`${callId}\0${r.address.host}:${r.address.port}`).digest();
    const u = (h.readUIntBE(0, 6) + 0.5) / 2 ** 48;
    const score = -Math.max(r.address.metric, 0) / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = r;
    }
  }
  return best;
}
