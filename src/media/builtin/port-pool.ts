// UDP port pairs for the builtin relay: RTP on an even port, RTCP on the next odd one (RFC 3550 §11),
// from a bounded range (spec: 13000–19000). A cursor walks the range so a released pair is not reused
// at once (late packets of the old call would reach the new one). Ports another process holds are
// skipped; when no pair is left the caller gets `undefined` (→ `ports_exhausted`).
import { createSocket, type Socket } from 'node:dgram';

export interface PortPair {
  port: number; // the even RTP port; RTCP is port + 1
  rtp: Socket;
  rtcp: Socket;
}

export class PortPool {
  private readonly reserved = new Set<number>();
  private cursor: number;
  readonly first: number;
  readonly pairs: number;

  constructor(
    readonly address: string,
    min: number,
    max: number,
  ) {
    this.first = min % 2 === 0 ? min : min + 1;
    this.pairs = Math.max(0, Math.floor((max - this.first + 1) / 2));
    if (this.pairs === 0) throw new RangeError(`port range ${min}-${max} holds no even/odd pair`);
    this.cursor = 0;
  }

  get inUse(): number {
    return this.reserved.size;
  }

  async allocate(): Promise<PortPair | undefined> {
    for (let tried = 0; tried < this.pairs && this.reserved.size < this.pairs; tried++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.reserved.has(port)) continue;
      this.reserved.add(port); // held while binding, so concurrent allocations skip it
      const rtp = await bindUdp(this.address, port);
      const rtcp = rtp ? await bindUdp(this.address, port + 1) : undefined;
      if (rtp && rtcp) return { port, rtp, rtcp };
      rtp?.close();
      this.reserved.delete(port);
    }
    return undefined;
  }

  release(pair: PortPair): void {
    pair.rtp.close();
    pair.rtcp.close();
    this.reserved.delete(pair.port);
  }
}

function bindUdp(address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    const onError = (): void => {
      try {
        s.close();
      } catch {
        // already closed by the failed bind
      }
      resolve(undefined);
    };
    s.once('error', onError);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', onError);
      // Later socket errors (ICMP port unreachable surfacing on send) must not crash the process.
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}
