// One anchored call in the builtin relay: two parties (side 0 = first offerer, side 1 = answerer) and,
// per m= line, a pair of endpoints facing each side. What side 0 sends to its endpoint goes out of the
// side-1 endpoint, and back. Re-offers may come from either side (re-INVITE from the callee).
import type { Sdp } from '../../sip/sdp.ts';
import type { LegStats } from '../engine.ts';
import type { PortPair, PortPool } from './port-pool.ts';
import { RelayEndpoint } from './relay-endpoint.ts';
import { mediaTarget } from './sdp-anchor.ts';

export type Side = 0 | 1;

interface Facing {
  pair: PortPair;
  rtp: RelayEndpoint;
  rtcp: RelayEndpoint;
}

/** Stream i: the endpoints facing side 0 and side 1. */
type Stream = [Facing, Facing];

export class MediaCall {
  readonly tags: [string, string | undefined];
  private readonly streams: Stream[] = [];
  /** Codecs (lower case) of the last offer sent on, to intersect the answer with. */
  offeredCodecs: string[] = [];
  /** Side that made the pending offer. */
  offerer: Side = 0;
  lastActivity: number;
  lastPacketTotal = 0;

  constructor(
    readonly callId: string,
    fromTag: string,
    now: number,
  ) {
    this.tags = [fromTag, undefined];
    this.lastActivity = now;
  }

  sideOf(tag: string): Side | undefined {
    if (tag === this.tags[0]) return 0;
    if (tag === this.tags[1]) return 1;
    return undefined;
  }

  get streamCount(): number {
    return this.streams.length;
  }

  /** Ensures streams 0..count-1 exist; false when the port range is exhausted. */
  async ensureStreams(count: number, pool: PortPool): Promise<boolean> {
    while (this.streams.length < count) {
      const a = await pool.allocate();
      const b = a ? await pool.allocate() : undefined;
      if (!a || !b) {
        if (a) pool.release(a);
        return false;
      }
      const fa = facing(a);
      const fb = facing(b);
      fa.rtp.peer = fb.rtp;
      fb.rtp.peer = fa.rtp;
      fa.rtcp.peer = fb.rtcp;
      fb.rtcp.peer = fa.rtcp;
      this.streams.push([fa, fb]);
    }
    return true;
  }

  /** Records where `side` receives each stream, from its SDP. */
  setRemotes(side: Side, sdp: Sdp): void {
    this.streams.forEach((stream, i) => {
      const t = mediaTarget(sdp, i);
      const f = stream[side];
      if (!t || t.port === 0) {
        f.rtp.setRemote('0.0.0.0', 0);
        f.rtcp.setRemote('0.0.0.0', 0);
        return;
      }
      f.rtp.setRemote(t.address, t.port);
      f.rtcp.setRemote(t.rtcpAddress, t.rtcpPort);
    });
  }

  /** Engine ports that `side` must send to, per stream (these go into the SDP sent to `side`). */
  portsFacing(side: Side): number[] {
    return this.streams.map((s) => s[side].pair.port);
  }

  packetTotal(): number {
    let n = 0;
    for (const s of this.streams) for (const f of s) n += f.rtp.packetsIn + f.rtcp.packetsIn;
    return n;
  }

  stats(): LegStats[] {
    const out: LegStats[] = [];
    for (const side of [0, 1] as const) {
      const tag = this.tags[side];
      if (tag === undefined) continue;
      const leg: LegStats = { tag, packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0 };
      for (const s of this.streams) {
        for (const e of [s[side].rtp, s[side].rtcp]) {
          leg.packetsIn += e.packetsIn;
          leg.bytesIn += e.bytesIn;
          leg.packetsOut += e.packetsOut;
          leg.bytesOut += e.bytesOut;
        }
      }
      const remote = this.streams[0]?.[side].rtp.remote;
      if (remote !== undefined) leg.remote = remote;
      out.push(leg);
    }
    return out;
  }

  release(pool: PortPool): void {
    for (const s of this.streams) for (const f of s) pool.release(f.pair);
    this.streams.length = 0;
  }
}

function facing(pair: PortPair): Facing {
  return { pair, rtp: new RelayEndpoint(pair.rtp, pair.port), rtcp: new RelayEndpoint(pair.rtcp, pair.port + 1) };
}
