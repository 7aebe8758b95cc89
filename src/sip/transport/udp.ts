// UDP transport (RFC 3261 §18.1.1 / §18.2.1): one datagram is one message. Connectionless, so nothing
// to cap but the datagram size; the OS socket buffer bounds the backlog.
//
// Process-local delivery: a datagram for an address bound by another UdpTransport of this process (the users
// edge and the app server of `switchyard start`, which talk over 127.0.0.1) is handed to that transport on the
// next event-loop turn instead of crossing the kernel: the same bytes, the same source address, in order, with
// a bounded backlog like a socket buffer. It saves a sendmsg + recvmsg pair and dgram's per-datagram work on
// every internal hop (about a tenth of a call's CPU). Off with `localDelivery: false` (tests of the socket path).
//
// Reliable in-process hop: between two transports both opened with `reliableInProcess` (the internal listeners of
// the users edge and the app server, nothing phones reach) the hop is lossless. The receiver's backlog has no cap
// (what waits there was produced by this process's own handling of other messages, which the kernel-fed sockets
// bound), and datagrams still queued when the receiver closes are reported to their senders as send errors. So
// both stacks run its transactions as on a reliable transport (Source.inProcess, the sink's inProcess): no
// retransmission timers (A, E, G) and no wait for retransmissions after the final state (D, I, J, K zero); RFC
// 6026's Timers L and M still run. The sender also hands a `twin` over with the bytes (its stack's parsed message,
// built while serialising), which the receiving stack checks and uses instead of parsing the bytes again
// (deliversReliably tells the sender when). Together: about 11 % more calls/s at capacity (bench/edge/ab.ts).
// Every other local receiver (e.g. test phones beside an edge) keeps UDP's semantics and parses: a full backlog
// drops, as a socket buffer does.
//
// Sends leave at the end of the event-loop turn, all of that turn's datagrams back to back (`#flush`, in order).
// Sent one at a time between the handling of the next messages, nearly every datagram found its receiver asleep
// and paid the kernel's wake-up of it (an inter-processor interrupt, costly on a VM: 13 % of a REGISTER's CPU in
// `perf`); in a burst only the first one does. The delay is the rest of the current turn: nothing when idle,
// a fraction of a millisecond under load (bench/edge: 12–25 % less CPU per REGISTER at 6 000–8 000/s).
import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIPv6 } from 'node:net';
import type { TransportLimits } from './limits.ts';
import {
  isWildcardAddress,
  type ConnectionInfo,
  type Source,
  type Target,
  type Transport,
  type TransportError,
  type TransportErrorCode,
  type TransportHandler,
} from './types.ts';

/** RFC 5626 §4.4.1 uses STUN on UDP; many phones send a bare CRLF or CRLFCRLF datagram instead. */
function isWhitespaceOnly(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09 && c !== 0x00) return false;
  }
  return true;
}

/** True when `host` can only be an IP literal of that family (digits and dots; or a ':' for IPv6). */
export function looksLikeIp(host: string, family: 4 | 6): boolean {
  if (family === 6) return host.indexOf(':') >= 0;
  if (host.length === 0) return false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if ((c < 48 || c > 57) && c !== 46) return false;
  }
  return true;
}

/**
 * dgram's address lookup. Node's default calls dns.lookup for every send, which for an IP literal still
 * checks it and defers the send to a nextTick; targets here are nearly always literals (Via received,
 * Contact, Route), so those go straight to the socket and only names take the resolver. A malformed
 * literal fails in the send itself, with the same error callback.
 */
export function ipLiteralLookup(family: 4 | 6): NonNullable<dgram.SocketOptions['lookup']> {
  // dgram passes the family number as the second argument (typed as lookup options)
  return (host, options, cb) => {
    if (looksLikeIp(host, family)) cb(null, host, family);
    else dnsLookup(host, options, cb);
  };
}

/** Bound transports of this process that accept local delivery, by port then host (specific addresses only):
 * looked up on every send, so no key string is built per datagram. */
const LOCAL = new Map<number, Map<string, UdpTransport>>();

function localPeer(host: string, port: number): UdpTransport | undefined {
  return LOCAL.get(port)?.get(host);
}
/** Datagrams waiting for a local receiver's next turn before further ones are dropped (like a full socket buffer);
 * not for the reliable in-process hop, which never drops (see the header). */
const LOCAL_BACKLOG = 20_000;
/** Entries per datagram in a transport's inbox: data, source, twin, onError. */
const INBOX_STRIDE = 4;
/** Local datagrams handled per event-loop turn (libuv reads about 32 per socket per poll): other sockets and timers
 * get their turn during a burst. */
const LOCAL_PER_TURN = 64;

/** How long a destination that took a datagram without error is trusted to take more (see send). */
export const UDP_VERIFIED_MS = 1000;
/** Bound on remembered destinations (forgotten all at once when reached: they are re-verified). */
const UDP_VERIFIED_MAX = 10_000;

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly connectionCount = 0;
  #socket: dgram.Socket;
  #address = { host: '', port: 0 };
  #closed = false;
  /** host → when a send to it last completed without error */
  readonly #verified = new Map<string, number>();
  /** process-local datagrams waiting for this transport's next turn, as flat (data, source, twin, onError) quads */
  #inbox: Array<Buffer | Source | object | ((err: TransportError) => void) | undefined> = [];
  #inboxHead = 0;
  #inboxScheduled = false;
  /** registered in LOCAL (a specific address, local delivery on) */
  #registered = false;
  /** datagrams for the end of this turn, as flat (data, target, onError) triples (see the file header) */
  #outbox: Array<Buffer | Target | ((err: TransportError) => void) | undefined> = [];
  #outboxScheduled = false;
  readonly #flushNow = (): void => this.#flush();

  constructor(
    private readonly opts: {
      host: string;
      port: number;
      limits: TransportLimits;
      localDelivery?: boolean;
      /** process-local datagrams to this transport are a reliable hop (see the file header); default false */
      reliableInProcess?: boolean;
    },
    private readonly handler: TransportHandler,
  ) {
    const type = isIPv6(opts.host) ? 'udp6' : 'udp4';
    this.#socket = dgram.createSocket({
      type,
      ipv6Only: type === 'udp6',
      lookup: ipLiteralLookup(type === 'udp6' ? 6 : 4),
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
        if (this.opts.localDelivery !== false && !isWildcardAddress(a.address)) {
          let byHost = LOCAL.get(a.port);
          if (byHost === undefined) LOCAL.set(a.port, (byHost = new Map()));
          byHost.set(a.address, this);
          this.#registered = true;
        }
        resolve();
      });
    });
  }

  #onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.#deliver(msg, { transport: 'UDP', host: rinfo.address, port: rinfo.port, local: this.#address });
  }

  #deliver(msg: Buffer, source: Source, twin?: object): void {
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
      this.handler.onMessage(msg, source, twin);
    } catch {
      // the stack guards its own handlers; this is the last line so no input can throw past the transport
      this.handler.onDrop?.('handler-threw', source);
    }
  }

  /** True when a datagram to `target` takes the reliable in-process hop (both ends `reliableInProcess`, see the header). */
  deliversReliably(target: Target): boolean {
    return this.#reliableTo(localPeer(target.host, target.port));
  }

  #reliableTo(peer: UdpTransport | undefined): boolean {
    // #registered: this end is registered for local delivery (a specific, not wildcard, address)
    return peer !== undefined && this.opts.reliableInProcess === true && this.#registered && !this.#closed &&
      peer.opts.reliableInProcess === true;
  }

  send(data: Buffer, target: Target, onError?: (err: TransportError) => void, twin?: object): void {
    if (this.#closed) return this.#failLater('SIP_ERR_TRANSPORT_CLOSED', 'transport closed', target, onError);
    if (data.length > 65_507) {
      return this.#failLater('SIP_ERR_TRANSPORT_TOO_BIG', `${data.length} bytes do not fit a UDP datagram`, target, onError);
    }
    // dgram throws for these, and the send now happens in a later turn where nothing would catch it
    // (a Via of `host:0` from the network would crash the process)
    const port = target.port;
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      return this.#failLater('SIP_ERR_TRANSPORT_SEND', `bad UDP destination port ${String(port)}`, target, onError);
    }
    const host = target.host;
    if (this.opts.localDelivery !== false) {
      const peer = localPeer(host, port);
      // the source a kernel would show: our bound address, or the destination's for a wildcard bind
      if (peer !== undefined) {
        const reliable = this.#reliableTo(peer);
        const from = isWildcardAddress(this.#address.host) ? host : this.#address.host;
        return peer.#enqueue(data, from, this.#address.port, reliable ? twin : undefined, reliable, onError);
      }
    }
    this.#outbox.push(data, target, onError);
    if (this.#outboxScheduled) return;
    this.#outboxScheduled = true;
    setImmediate(this.#flushNow);
  }

  /** Sends this turn's datagrams, in the order they were handed over. */
  #flush(): void {
    this.#outboxScheduled = false;
    const out = this.#outbox;
    if (out.length === 0) return;
    this.#outbox = [];
    const now = Date.now();
    for (let i = 0; i < out.length; i += 3) {
      const data = out[i] as Buffer;
      const target = out[i + 1] as Target;
      const onError = out[i + 2] as ((err: TransportError) => void) | undefined;
      try {
        this.#sendNow(data, target, onError, now);
      } catch (e) {
        // dgram's synchronous refusals (checked before queueing where possible): one bad destination must not
        // take the rest of the turn's datagrams, or the process, with it
        this.#verified.delete(target.host);
        this.#fail('SIP_ERR_TRANSPORT_SEND', (e as Error).message, target, onError);
      }
    }
  }

  #sendNow(data: Buffer, target: Target, onError: ((err: TransportError) => void) | undefined, now: number): void {
    const host = target.host;
    // A completion callback costs a closure and a nextTick per datagram (a tick pass per message in a
    // proxy), and dgram drops errors of sends without one. So only sends to a host not verified in the
    // last UDP_VERIFIED_MS carry one: errors that the kernel returns (no route, EPERM, EACCES) are reported
    // for the first datagram to a host and again within about a second of a route breaking; in between, a
    // refused datagram is like one lost in the network, which RFC 3261 §17 retransmissions and timeouts cover.
    const at = this.#verified.get(host);
    if (at !== undefined && now - at < UDP_VERIFIED_MS && now >= at) {
      this.#socket.send(data, target.port, host);
      return;
    }
    this.#socket.send(data, target.port, host, (err) => {
      if (err) {
        this.#verified.delete(host);
        this.#fail('SIP_ERR_TRANSPORT_SEND', err.message, target, onError);
        return;
      }
      if (this.#verified.size >= UDP_VERIFIED_MAX) this.#verified.clear();
      this.#verified.set(host, Date.now());
    });
  }

  /**
   * A datagram from a transport of this process: delivered on the next turn, in order (see the file header).
   * `reliable`: the reliable in-process hop (never dropped; `onError` hears of it if this transport closes first).
   */
  #enqueue(data: Buffer, fromHost: string, fromPort: number, twin: object | undefined, reliable: boolean,
    onError: ((err: TransportError) => void) | undefined): void {
    const source: Source = { transport: 'UDP', host: fromHost, port: fromPort, local: this.#address };
    if (reliable) source.inProcess = true;
    else if (this.#inbox.length - this.#inboxHead >= INBOX_STRIDE * LOCAL_BACKLOG) {
      this.handler.onDrop?.('local-backlog', source);
      return;
    }
    this.#inbox.push(data, source, twin, reliable ? onError : undefined);
    if (this.#inboxScheduled) return;
    this.#inboxScheduled = true;
    setImmediate(() => this.#drainInbox());
  }

  #drainInbox(): void {
    this.#inboxScheduled = false;
    if (this.#closed) return;
    const inbox = this.#inbox;
    const end = Math.min(inbox.length, this.#inboxHead + INBOX_STRIDE * LOCAL_PER_TURN);
    // the head moves before delivering: a handler that sends to this transport again appends behind it
    let i = this.#inboxHead;
    this.#inboxHead = end;
    for (; i < end; i += INBOX_STRIDE) this.#deliver(inbox[i] as Buffer, inbox[i + 1] as Source, inbox[i + 2] as object | undefined);
    if (this.#inbox !== inbox) return; // closed meanwhile
    if (this.#inboxHead >= inbox.length) {
      this.#inbox = [];
      this.#inboxHead = 0;
    } else if (!this.#inboxScheduled) {
      this.#inboxScheduled = true;
      setImmediate(() => this.#drainInbox());
    }
  }

  /** Whether sends to `host` currently go without a completion callback (tests). @internal */
  isVerified(host: string): boolean {
    const at = this.#verified.get(host);
    return at !== undefined && Date.now() - at < UDP_VERIFIED_MS;
  }

  #fail(code: TransportErrorCode, message: string, target: Target, onError?: (err: TransportError) => void): void {
    const err: TransportError = { code, transport: 'UDP', target, message };
    this.handler.onError(err);
    onError?.(err);
  }

  /** errors found before sending are reported asynchronously too (Transport.send never calls back inside) */
  #failLater(code: TransportErrorCode, message: string, target: Target, onError?: (err: TransportError) => void): void {
    queueMicrotask(() => this.#fail(code, message, target, onError));
  }

  connection(_id: string): ConnectionInfo | undefined {
    return undefined;
  }

  findConnection(_host: string, _port: number): ConnectionInfo | undefined {
    return undefined;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#flush(); // what this turn already handed over still leaves
    this.#closed = true;
    if (this.#registered) {
      const byHost = LOCAL.get(this.#address.port);
      if (byHost?.get(this.#address.host) === this) byHost.delete(this.#address.host);
      if (byHost?.size === 0) LOCAL.delete(this.#address.port);
    }
    // datagrams of the reliable hop still queued: their senders' transactions fail now rather than wait for a
    // timeout (they run no retransmissions); other queued datagrams are lost, as in a closed socket's buffer
    const inbox = this.#inbox;
    const target = { host: this.#address.host, port: this.#address.port };
    for (let i = this.#inboxHead; i < inbox.length; i += INBOX_STRIDE) {
      const onError = inbox[i + 3] as ((err: TransportError) => void) | undefined;
      // straight to the sender's callback: this transport's handler belongs to the receiving stack
      if (onError !== undefined) queueMicrotask(() => onError({ code: 'SIP_ERR_TRANSPORT_CLOSED', transport: 'UDP', target, message: 'process-local receiver closed' }));
    }
    this.#inbox = [];
    this.#inboxHead = 0;
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}
