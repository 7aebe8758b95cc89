// UDP transport (RFC 3261 §18.1.1 / §18.2.1): one datagram is one message. Connectionless, so nothing
// to cap but the datagram size; the OS socket buffer bounds the backlog.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { TransportLimits } from './limits.ts';
import type {
  ConnectionInfo,
  Source,
  Target,
  Transport,
  TransportError,
  TransportErrorCode,
  TransportHandler,
} from './types.ts';

/** RFC 5626 §4.4.1 uses STUN on UDP; many phones send a bare CRLF or CRLFCRLF datagram instead. */
function isWhitespaceOnly(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09 && c !== 0x00) return false;
  }
  return true;
}

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly connectionCount = 0;
  #socket: dgram.Socket;
  #address = { host: '', port: 0 };
  #closed = false;

  constructor(
    private readonly opts: { host: string; port: number; limits: TransportLimits },
    private readonly handler: TransportHandler,
  ) {
    const type = isIPv6(opts.host) ? 'udp6' : 'udp4';
    this.#socket = dgram.createSocket({
      type,
      ipv6Only: type === 'udp6',
      ...(opts.limits.udpBufferBytes > 0
        ? { recvBufferSize: opts.limits.udpBufferBytes, sendBufferSize: opts.limits.udpBufferBytes }
        : {}),
    });
    this.#socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    // ICMP port-unreachable surfaces as an error on some platforms; a listener keeps it from crashing us
    this.#socket.on('error', () => {});
  }

  get address(): { host: string; port: number } {
    return this.#address;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.#socket.once('error', onError);
      this.#socket.bind({ address: this.opts.host, port: this.opts.port, exclusive: true }, () => {
        this.#socket.off('error', onError);
        const a = this.#socket.address();
        this.#address = { host: a.address, port: a.port };
        resolve();
      });
    });
  }

  #onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const source: Source = {
      transport: 'UDP',
      host: rinfo.address,
      port: rinfo.port,
      local: this.#address,
    };
    if (msg.length === 0 || isWhitespaceOnly(msg)) {
      // keep-alive: nothing to answer over UDP (RFC 5626 §4.4.1 pongs only for STUN)
      this.handler.onKeepalive?.('ping', source);
      return;
    }
    if (msg.length > this.opts.limits.maxMessageBytes) {
      this.handler.onDrop?.('too-big', source);
      return;
    }
    try {
      this.handler.onMessage(msg, source);
    } catch {
      // the stack guards its own handlers; this is the last line so no input can throw past the transport
      this.handler.onDrop?.('handler-threw', source);
    }
  }

  send(data: Buffer, target: Target, onError?: (err: TransportError) => void): void {
    const fail = (code: TransportErrorCode, message: string) => {
      const err: TransportError = { code, transport: 'UDP', target, message };
      this.handler.onError(err);
      onError?.(err);
    };
    if (this.#closed) return queueMicrotask(() => fail('SIP_ERR_TRANSPORT_CLOSED', 'transport closed'));
    if (data.length > 65_507) {
      return queueMicrotask(() => fail('SIP_ERR_TRANSPORT_TOO_BIG', `${data.length} bytes do not fit a UDP datagram`));
    }
    this.#socket.send(data, target.port, target.host, (err) => {
      if (err) fail('SIP_ERR_TRANSPORT_SEND', err.message);
    });
  }

  connection(_id: string): ConnectionInfo | undefined {
    return undefined;
  }

  findConnection(_host: string, _port: number): ConnectionInfo | undefined {
    return undefined;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}
