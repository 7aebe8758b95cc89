// One local UDP socket facing one call party. What the party sends here goes out, unchanged, through
// the peer endpoint (facing the other party). The hot path allocates nothing of its own: the received
// Buffer is sent as is, counters are plain numbers.
import type { RemoteInfo, Socket } from 'node:dgram';

export class RelayEndpoint {
  packetsIn = 0;
  bytesIn = 0;
  packetsOut = 0;
  bytesOut = 0;
  /** Packets from a source other than the latched one, or with nowhere to send them. */
  dropped = 0;
  /** Where the party's SDP says to send (c= / m= port, a=rtcp). */
  private sdpAddress: string | undefined;
  private sdpPort = 0;
  /** The party's real source, learnt from its first packet (symmetric RTP, for NAT). */
  private latchedAddress: string | undefined;
  private latchedPort = 0;
  peer: RelayEndpoint | undefined;

  constructor(
    readonly socket: Socket,
    readonly localPort: number,
  ) {
    socket.on('message', this.onMessage);
  }

  /** New SDP from the party: send there until it latches again (its address may have changed). */
  setRemote(address: string, port: number): void {
    // RFC 3264 §8.4: c=0.0.0.0 (old-style hold) means "do not send".
    this.sdpAddress = address === '0.0.0.0' || address === '::' || port === 0 ? undefined : address;
    this.sdpPort = port;
    this.latchedAddress = undefined;
    this.latchedPort = 0;
  }

  get remote(): string | undefined {
    if (this.latchedAddress !== undefined) return `${this.latchedAddress}:${this.latchedPort}`;
    if (this.sdpAddress !== undefined) return `${this.sdpAddress}:${this.sdpPort}`;
    return undefined;
  }

  get latched(): boolean {
    return this.latchedAddress !== undefined;
  }

  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.latchedAddress === undefined) {
      this.latchedAddress = rinfo.address;
      this.latchedPort = rinfo.port;
    } else if (rinfo.port !== this.latchedPort || rinfo.address !== this.latchedAddress) {
      // Once latched, only the learnt source may inject media into the call.
      this.dropped++;
      return;
    }
    this.packetsIn++;
    this.bytesIn += msg.length;
    this.peer?.forward(msg);
  };

  /** Sends a packet to this endpoint's party. */
  forward(msg: Buffer): void {
    const address = this.latchedAddress ?? this.sdpAddress;
    const port = this.latchedAddress !== undefined ? this.latchedPort : this.sdpPort;
    if (address === undefined) {
      this.dropped++;
      return;
    }
    this.packetsOut++;
    this.bytesOut += msg.length;
    this.socket.send(msg, port, address);
  }
}
