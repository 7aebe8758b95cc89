// The SIP stack: transports below, the transaction layer above, and the transport-layer duties of
// RFC 3261 §18 in between — parse, stamp received/rport on requests (§18.2.1, RFC 3581 §4), check the
// Via of responses (§18.1.2), route responses (§18.2.2), answer unparsable requests with 400 + reason,
// and count what was dropped. Nothing a peer sends can throw out of here.
import { isIPv6 } from 'node:net';
import type { Clock } from './clock.ts';
import { createErrorResponse, parseMessage, DEFAULT_LIMITS as PARSER_DEFAULTS, type ParserLimits, type SipMessage } from './message.ts';
import { checkTwin } from './parser.ts';
import { isSipParseError, type SipParseError } from './errors.ts';
import { TransactionLayer, type TransactionLayerOptions } from './transaction/layer.ts';
import type { TimerConfig } from './transaction/timers.ts';
import type { MessageSource, SendTarget, TransportName, TransportSink } from './transaction/types.ts';
import { buildBadRequestReply } from './transport/bad-request.ts';
import { resolveLimits, type TransportLimits } from './transport/limits.ts';
import { responseRoute } from './transport/response-route.ts';
import { StackMetrics } from './transport/metrics.ts';
import { StreamTransport } from './transport/stream-transport.ts';
import type { TlsSettings } from './transport/tls-settings.ts';
import { isReliable, isWildcardAddress, type CloseReason, type ConnectionInfo, type Source, type Transport, type TransportHandler } from './transport/types.ts';
import { UdpTransport } from './transport/udp.ts';
import { stampVia, topLevelComma } from './transport/via-stamp.ts';
import { WsTransport } from './transport/ws-transport.ts';

export interface ListenSpec {
  transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  /** IP to bind ('0.0.0.0', '::', '127.0.0.1', '::1', …) */
  host: string;
  /** 0 picks a free port */
  port: number;
  /** TLS/WSS certificate (falls back to SipStackOptions.tls) */
  tls?: TlsSettings;
  /** what goes into our Via sent-by / Record-Route for this listener (NAT, wildcard binds) */
  advertise?: { host: string; port?: number };
  /** WS/WSS: only upgrade on this URL path */
  path?: string;
  /**
   * UDP: between two such listeners of this process the hop is reliable: lossless, its transactions run without
   * retransmissions, its messages handed over parsed (src/sip/transport/udp.ts). For listeners only stacks of this
   * platform send to: the edge's and the app's internal ones.
   */
  reliableInProcess?: boolean;
}

export interface SipStackOptions {
  listen: ListenSpec[];
  clock?: Clock;
  limits?: Partial<TransportLimits>;
  parserLimits?: Partial<ParserLimits>;
  timers?: Partial<TimerConfig>;
  /** default certificate for TLS/WSS listeners and outbound TLS */
  tls?: TlsSettings;
  unmatchedCancel?: TransactionLayerOptions['unmatchedCancel'];
  /**
   * RFC 3261 §18.1.2: drop responses whose top Via sent-by is not one of ours (default true). A stateless
   * forwarding element that sends with foreign Vias turns it off.
   */
  checkResponseVia?: boolean;
  /** a bug above the stack threw while handling a message (logged once per call; the stack keeps going) */
  onInternalError?: (err: unknown) => void;
  /**
   * UDP datagrams to an address bound by another stack of this process skip the kernel (transport/udp.ts,
   * "process-local delivery"). Default true; false sends every datagram through the socket.
   */
  udpLocalDelivery?: boolean;
}

interface Listener {
  spec: ListenSpec;
  transport: Transport;
  family: 4 | 6;
}

const SPEC_PROTOCOL: Record<ListenSpec['transport'], TransportName> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS', ws: 'WS', wss: 'WSS' };

export class SipStack {
  readonly tx: TransactionLayer;
  readonly metrics = new StackMetrics();
  readonly #listeners: Listener[] = [];
  readonly #parserLimits: ParserLimits;
  readonly #checkVia: boolean;
  readonly #onInternalError: (err: unknown) => void;
  #closeHandlers: Array<(info: ConnectionInfo, reason: CloseReason) => void> = [];
  #ownSentBy = new Set<string>();
  #closed = false;

  constructor(private readonly opts: SipStackOptions) {
    const limits = resolveLimits(opts.limits);
    this.#parserLimits = { ...PARSER_DEFAULTS, maxMessageBytes: limits.maxMessageBytes, ...opts.parserLimits };
    this.#checkVia = opts.checkResponseVia ?? true;
    this.#onInternalError = opts.onInternalError ?? ((e) => console.error('sip stack: handler error', e));
    const sink: TransportSink = {
      send: (msg, target) => this.#send(msg, target),
      reliable: (t) => isReliable(t),
      inProcess: (target) => {
        const protocol = target.transport.toUpperCase();
        return !isReliable(protocol) && this.#listenerFor(protocol, target.host)?.transport.deliversReliably?.(target) === true;
      },
    };
    this.tx = new TransactionLayer({
      sink,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.unmatchedCancel ? { unmatchedCancel: opts.unmatchedCancel } : {}),
      sentBy: (t) => this.sentBy(t),
    });
    const handler = this.#handler();
    for (const spec of opts.listen) {
      const protocol = SPEC_PROTOCOL[spec.transport];
      if (!protocol) throw new TypeError(`unknown transport ${String(spec.transport)}`);
      const tls = spec.tls ?? opts.tls;
      const base = { host: spec.host, port: spec.port, limits };
      let transport: Transport;
      if (protocol === 'UDP') {
        transport = new UdpTransport({ ...base, localDelivery: opts.udpLocalDelivery ?? true, reliableInProcess: spec.reliableInProcess === true }, handler);
      } else if (protocol === 'TCP' || protocol === 'TLS') {
        transport = new StreamTransport(protocol, { ...base, ...(tls ? { tls } : {}) }, handler);
      } else {
        transport = new WsTransport(protocol, { ...base, ...(tls ? { tls } : {}), ...(spec.path ? { path: spec.path } : {}) }, handler);
      }
      this.#listeners.push({ spec, transport, family: isIPv6(spec.host) ? 6 : 4 });
    }
  }

  /** Binds every listener. */
  async listen(): Promise<void> {
    try {
      for (const l of this.#listeners) await l.transport.listen();
    } catch (e) {
      await this.close();
      throw e;
    }
    for (const l of this.#listeners) {
      const sb = this.#sentByOf(l);
      this.#ownSentBy.add(`${l.transport.protocol}|${sb.host.toLowerCase()}|${sb.port}`);
    }
  }

  // --- transaction layer API, re-exposed ------------------------------------------------------------------

  onRequest: TransactionLayer['onRequest'] = (h) => this.tx.onRequest(h);
  onAck: TransactionLayer['onAck'] = (h) => this.tx.onAck(h);
  onStrayResponse: TransactionLayer['onStrayResponse'] = (h) => this.tx.onStrayResponse(h);
  /**
   * Pre-transaction hook: sees each request no existing transaction absorbs, before a server transaction is
   * created; returning 'drop' discards it without a response (banned or flooding sources). One hook.
   */
  onBeforeRequest: TransactionLayer['screenRequests'] = (h) => this.tx.screenRequests(h);
  sendRequest: TransactionLayer['sendRequest'] = (req, target, h) => this.tx.sendRequest(req, target, h);
  sendAck: TransactionLayer['sendAck'] = (ack, target) => this.tx.sendAck(ack, target);
  sendStateless: TransactionLayer['sendStateless'] = (msg, target) => this.tx.sendStateless(msg, target);

  /** A connection ended (registrations bound to a WS/TCP flow, RFC 5626, can be dropped). */
  onConnectionClose(h: (info: ConnectionInfo, reason: CloseReason) => void): void {
    this.#closeHandlers.push(h);
  }

  /** Our sent-by for a transport (first listener of that transport, IPv4 preferred). */
  sentBy(transport: string, family?: 4 | 6): { host: string; port: number } | undefined {
    const t = transport.toUpperCase();
    const candidates = this.#listeners.filter((l) => l.transport.protocol === t);
    const l = candidates.find((c) => c.family === (family ?? 4)) ?? candidates[0];
    return l ? this.#sentByOf(l) : undefined;
  }

  /** Bound addresses, for tests and logs. */
  get addresses(): Array<{ transport: TransportName; host: string; port: number }> {
    return this.#listeners.map((l) => ({ transport: l.transport.protocol, ...l.transport.address }));
  }

  /** Live connection info by id, on any transport. */
  connection(id: string): ConnectionInfo | undefined {
    for (const l of this.#listeners) {
      const c = l.transport.connection(id);
      if (c) return c;
    }
    return undefined;
  }

  get connectionCount(): number {
    return this.#listeners.reduce((n, l) => n + l.transport.connectionCount, 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.tx.close();
    await Promise.all(this.#listeners.map((l) => l.transport.close()));
  }

  #sentByOf(l: Listener): { host: string; port: number } {
    const a = l.transport.address;
    let host = l.spec.advertise?.host ?? a.host;
    if (isWildcardAddress(host)) host = l.family === 6 ? '::1' : '127.0.0.1';
    return { host, port: l.spec.advertise?.port ?? a.port };
  }

  // --- receive --------------------------------------------------------------------------------------------

  #handler(): TransportHandler {
    return {
      onMessage: (data, source, twin) => this.#receive(data, source, twin as SipMessage | undefined),
      onError: () => this.metrics.count('sendErrors'),
      onConnectionOpen: () => this.metrics.count('connectionsOpened'),
      onConnectionClose: (info, reason) => {
        this.metrics.count('connectionsClosed');
        for (const h of this.#closeHandlers) {
          try {
            h(info, reason);
          } catch (e) {
            this.#onInternalError(e);
          }
        }
      },
      onKeepalive: (kind) => this.metrics.count(kind === 'ping' ? 'keepalivePings' : 'keepalivePongs'),
      onDrop: (reason) => this.metrics.drop(reason),
    };
  }

  /**
   * `twin`: the message a stack of this process built while serialising `data` (`#send`), what parsing `data` gives;
   * checked as the parser checks (checkTwin), since it was built by code, not read from the wire.
   */
  #receive(data: Buffer, source: Source, twin: SipMessage | undefined): void {
    this.metrics.count('received');
    let msg: SipMessage;
    try {
      if (twin === undefined) msg = parseMessage(data, this.#parserLimits);
      else {
        checkTwin(twin, this.#parserLimits);
        msg = twin;
      }
    } catch (e) {
      if (isSipParseError(e)) this.#rejectUnparsable(data, source, e);
      else this.metrics.drop('parser-exception');
      return;
    }
    const from = this.#messageSource(source);
    try {
      if (msg.isRequest) {
        // stamp the raw text; only a changed Via is rewritten (which drops the parser's cached Via list).
        // The top Via the parser built tells whether there is anything to stamp: not when it names the
        // source address and has neither rport nor received (stampVia would return it unchanged).
        const parsedTop = msg.topVia;
        const field = parsedTop.host === source.host && !parsedTop.params.has('rport') && !parsedTop.params.has('received')
          ? undefined
          : msg.headers.get('via');
        if (field !== undefined) {
          const comma = topLevelComma(field);
          const top = (comma === -1 ? field : field.slice(0, comma)).trim();
          const stamped = stampVia(top, source.host, source.port);
          if (stamped !== top) {
            msg.headers.removeFirst('via');
            msg.headers.prepend('Via', stamped);
          }
        }
        // touch what routing and matching need, so a lazily detected fault is answered here (400)
        void msg.topVia, msg.callId, msg.cseq, msg.from, msg.to;
      } else {
        const via = msg.topVia;
        void msg.callId, msg.cseq;
        if (this.#checkVia && !this.#isOurs(via.transport, via.host, via.port)) {
          this.metrics.count('badResponses');
          this.metrics.drop('response-via-not-ours');
          return;
        }
      }
    } catch (e) {
      if (!isSipParseError(e)) {
        this.metrics.drop('exception');
        this.#onInternalError(e);
        return;
      }
      if (msg.isRequest) this.#rejectUnparsable(data, source, e);
      else {
        this.metrics.count('badResponses');
        this.metrics.drop(e.code);
      }
      return;
    }
    this.metrics.count('parsed');
    try {
      this.tx.receive(msg, from);
    } catch (e) {
      // a bug in a transaction or TU handler: never let it reach the socket callbacks
      this.metrics.drop('handler-exception');
      this.#onInternalError(e);
    }
  }

  #isOurs(transport: string, host: string, port: number | undefined): boolean {
    const t = transport.toUpperCase();
    const p = port ?? (t === 'TLS' ? 5061 : 5060);
    return this.#ownSentBy.has(`${t}|${host.toLowerCase()}|${p}`);
  }

  /** RFC 3261 §8.2.6 / RFC 4475: answer a faulty request with the parser's status and reason, or drop it. */
  #rejectUnparsable(data: Buffer, source: Source, e: SipParseError): void {
    if (/^\s*SIP\//.test(data.toString('latin1', 0, Math.min(16, data.length)))) {
      this.metrics.count('badResponses');
      this.metrics.drop(e.code);
      return;
    }
    let reply: Buffer | undefined;
    try {
      reply = createErrorResponse(e)?.toBuffer();
    } catch {
      reply = undefined;
    }
    reply ??= buildBadRequestReply(data, e.status, e.reason)?.data;
    if (!reply) {
      this.metrics.count('badRequests');
      this.metrics.drop(e.code);
      return;
    }
    this.metrics.count('badRequests');
    this.metrics.count('rejected');
    // the request's source, over the same connection: never a third address taken from a broken message
    const l = this.#listenerFor(source.transport, source.host, source.local);
    l?.transport.send(reply, { host: source.host, port: source.port, ...(source.connectionId ? { connectionId: source.connectionId } : {}) });
  }

  #messageSource(s: Source): MessageSource {
    const m: MessageSource = { transport: s.transport, host: s.host, port: s.port };
    if (s.connectionId !== undefined) m.connectionId = s.connectionId;
    if (s.inProcess === true) m.inProcess = true;
    return m;
  }

  // --- send -----------------------------------------------------------------------------------------------

  /** A listener of that transport able to reach `host` (same address family; the local address first). */
  #listenerFor(protocol: string, host: string, local?: { host: string; port: number }): Listener | undefined {
    // per send: a ':' tells IPv6 from IPv4 and host names (net.isIPv6 runs a large regular expression)
    const family = host.indexOf(':') >= 0 ? 6 : 4;
    let best: Listener | undefined;
    for (const l of this.#listeners) {
      if (l.transport.protocol !== protocol || l.family !== family) continue;
      if (local && l.transport.address.port === local.port) return l;
      best ??= l;
    }
    return best;
  }

  /**
   * A send that failed before reaching a transport: counted, and reported to the transaction asynchronously.
   * (A method, not a closure in #send: tsx compiles with esbuild's keepNames, which gives every named
   * closure a defineProperty call and a property array when it is created, i.e. per message here.)
   */
  #sendFailed(msg: SipMessage, message: string): undefined {
    this.metrics.count('sendErrors');
    queueMicrotask(() => this.tx.reportTransportError(msg, message));
    return undefined;
  }

  /** Serialises and sends; returns the bytes handed to the transport (undefined when it failed early). */
  #send(msg: SipMessage, target: SendTarget): Buffer | undefined {
    if (this.#closed) return this.#sendFailed(msg, 'stack closed');
    let host = target.host;
    let port = target.port;
    let connectionId = target.connectionId;
    const protocol = target.transport.toUpperCase();
    if (!msg.isRequest && isReliable(protocol)) {
      // RFC 3261 §18.2.2: the request's connection if open, else one to received / sent-by port
      const alive = connectionId !== undefined && this.connection(connectionId) !== undefined;
      if (!alive) {
        let route;
        try {
          route = responseRoute(msg.topVia);
        } catch {
          route = undefined;
        }
        if (route) {
          const l = this.#listenerFor(protocol, route.host);
          const reuse = route.reusePort !== undefined ? l?.transport.findConnection(route.host, route.reusePort) : undefined;
          host = route.host;
          port = route.port;
          connectionId = reuse?.id;
        }
      }
    }
    const l = this.#listenerFor(protocol, host);
    if (!l) return this.#sendFailed(msg, `no ${protocol} listener for ${host}`);
    // the caller's target as is when nothing above changed it (the usual case: no object per send)
    const to = host === target.host && port === target.port && connectionId === target.connectionId
      ? target
      : { host, port, ...(connectionId !== undefined ? { connectionId } : {}) };
    // Over the reliable in-process hop (edge <-> app of `switchyard start`) the message goes with its parsed twin:
    // built while serialising, it spares the receiver the parse (src/sip/transport/udp.ts).
    const local = l.transport.deliversReliably?.(to) === true;
    let data: Buffer;
    let twin: SipMessage | undefined;
    try {
      if (local) ({ bytes: data, twin } = msg.toBufferWithTwin());
      else data = msg.toBuffer();
    } catch (e) {
      return this.#sendFailed(msg, `cannot serialise: ${(e as Error).message}`);
    }
    this.metrics.count('sent');
    l.transport.send(data, to, (err) => this.tx.reportTransportError(msg, `${err.code}: ${err.message}`), twin);
    return data;
  }
}

/** Creates the stack and binds every listener. */
export async function createSipStack(opts: SipStackOptions): Promise<SipStack> {
  const s = new SipStack(opts);
  await s.listen();
  return s;
}
