// The users edge's proxy core (RFC 3261 §16): requests from phones (public listeners) are authenticated and sent
// to an app node with the contract's `X-Sy-*` headers; requests from app nodes (internal listener, trusted by
// source address) are routed to phones through the location service with parallel forking; in-dialog requests
// follow the Route headers between the two sides. The trust boundary (internal-headers.ts) is applied where a
// message enters from a side: phones' messages lose every `X-Sy-*`, app nodes' keep only the allow-listed ones.
//
// Cluster (several edges sharing a Redis location): a binding whose flow another edge owns is not sent to the
// phone from here (its TCP/WS connection and NAT pinhole belong to that edge): the request goes to the owner's
// internal listener with a preloaded Route carrying the flow (RFC 3327 §5.3 Path / RFC 5626 §5.3: requests reach
// the phone through the edge its flow terminates on); the owner record-routes and relays it over the flow.
// Responses return along the Via path. In-dialog requests that name another edge in their Route set are passed
// to it over the internal network.
import type { Clock } from '../../sip/clock.ts';
import { createResponse, parseUri, type SipRequest, type SipResponse } from '../../sip/message.ts';
import type { SipStack } from '../../sip/stack.ts';
import { newBranch } from '../../sip/transaction/branch.ts';
import type { MessageSource, SendTarget, ServerTransaction, TransportName } from '../../sip/transaction/types.ts';
import { formatOwnVia } from '../../sip/transaction/via.ts';
import { responseRoute } from '../../sip/transport/response-route.ts';
import type { AppNodeSelector } from './app-nodes.ts';
import type { EdgeAuth, EdgeDirectory } from './auth.ts';
import { EDGE_ERRORS, type EdgeErrorCode } from './errors.ts';
import { flowOf, flowTarget, type EdgeNode, type Flow } from './flow.ts';
import type { EdgeGuards } from './guards.ts';
import { addCallerHeaders, keepAllowedFromApp, readTargetHeaders, stripAllInternal } from './internal-headers.ts';
import { aorOf, LocationUnavailableError, type LocationService } from './location.ts';
import { ProxyTransaction } from './proxy-tx.ts';
import { randomHex } from '../../sip/random.ts';
import type { Registrar } from './registrar.ts';
import { nextHopUri, recordRouteUri, uriTarget, type OwnAddresses } from './routing.ts';

export interface EdgeProxyDeps {
  phones: SipStack;
  apps: SipStack;
  directory: EdgeDirectory;
  auth: EdgeAuth;
  registrar: Registrar;
  location: LocationService;
  appNodes: AppNodeSelector;
  own: OwnAddresses;
  guards: EdgeGuards;
  clock: Clock;
  /** this edge node (cluster): bindings owned by another node are relayed to it */
  self?: EdgeNode;
  timerCMs?: number;
  /** a bug while handling a request (the request got a 500) */
  onError?: (err: unknown) => void;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER, MESSAGE, PRACK, REFER, NOTIFY';
/** Out-of-dialog methods a phone may send to the app (after authentication). */
const TO_APP = new Set(['INVITE', 'MESSAGE']);

function reply(tx: ServerTransaction, status: number, reason: string, headers: Array<[string, string]> = [], stateless = false): void {
  if (tx.state !== 'trying' && tx.state !== 'proceeding') return;
  const tag = status > 100 && !tx.request.to.params.has('tag') ? randomHex(6) : undefined;
  const res = createResponse(tx.request, status, reason, { headers, ...(tag ? { toTag: tag } : {}) });
  if (stateless) tx.respondStateless(res);
  else tx.respond(res);
}

function fail(tx: ServerTransaction, code: EdgeErrorCode, headers: Array<[string, string]> = []): void {
  const e = EDGE_ERRORS[code];
  reply(tx, e.status, e.reason, headers);
}

export class EdgeProxy {
  readonly #d: EdgeProxyDeps;
  #peersRefreshedAt = -Infinity;

  constructor(d: EdgeProxyDeps) {
    this.#d = d;
    d.phones.onRequest((req, tx) => void this.#fromPhone(req, tx).catch((e) => this.#bug(tx, e)));
    d.phones.onAck((ack, src) => this.#ackFromPhone(ack, src));
    d.phones.onStrayResponse((res) => this.#stray(res, d.apps));
    d.apps.onRequest((req, tx) => void this.#fromApp(req, tx).catch((e) => this.#bug(tx, e)));
    d.apps.onAck((ack, src) => this.#ackFromApp(ack, src));
    d.apps.onStrayResponse((res) => this.#stray(res, undefined));
    // RFC 5626 spirit: a binding reachable only through a closed connection is gone.
    d.phones.onConnectionClose((info) => {
      d.location.dropConnection(info.id).catch((e: unknown) => this.#report(e));
    });
  }

  #bug(tx: ServerTransaction, e: unknown): void {
    try {
      // a runtime-state outage (Redis) is not a bug: 503 and a hint when to come back (RFC 3261 §21.5.4)
      if (e instanceof LocationUnavailableError) fail(tx, 'EDGE_LOCATION_UNAVAILABLE', [['Retry-After', '5']]);
      else reply(tx, 500, 'Server Internal Error');
    } catch {
      // the transaction is gone: nothing to answer
    }
    this.#report(e);
  }

  /** To the operator's log (onError), else stderr. */
  #report(e: unknown): void {
    (this.#d.onError ?? ((err) => console.error('users edge:', err)))(e);
  }

  // --- phones ---------------------------------------------------------------------------------------------

  async #fromPhone(req: SipRequest, tx: ServerTransaction): Promise<void> {
    stripAllInternal(req); // trust boundary: nothing internal comes from a phone
    if (!this.#hopChecks(req, tx)) return;
    if (req.to.params.has('tag')) return this.#inDialogFromPhone(req, tx);
    if (req.method === 'OPTIONS') return reply(tx, 200, 'OK', [['Allow', ALLOW], ['Accept', 'application/sdp']]); // keep-alive monitors

    const src = tx.source;
    // Step 0 (seed-part2 §2.26): a known SIP domain. REGISTER: the AoR's (To) domain; other requests: the
    // caller's identity (From) domain, which is also the realm its credentials belong to.
    const host = req.method === 'REGISTER' ? req.to.uri.host : req.from.uri.host;
    const dom = this.#d.auth.resolveDomain(host);
    if (!dom.ok) {
      this.#d.guards.record(src, { kind: 'unknown-domain', domain: host });
      return reply(tx, dom.status, dom.reason);
    }
    if (req.method !== 'REGISTER' && !TO_APP.has(req.method)) return fail(tx, 'EDGE_METHOD', [['Allow', ALLOW]]);
    const a = this.#d.auth.authenticate(req, dom.domain);
    if (!a.ok) {
      if (a.code === 'EDGE_AUTH_CHALLENGE') {
        // stateless (RFC 3261 §8.2.7): a repeated request just gets another challenge, and a REGISTER's 401 leaves
        // no transaction waiting 32 s (half of what a registration storm would keep; an INVITE's 407 stays stateful)
        return reply(tx, a.status, a.status === 401 ? 'Unauthorized' : 'Proxy Authentication Required', a.headers, true);
      }
      if (a.code === 'EDGE_AUTH_FAILED') this.#d.guards.record(src, { kind: 'auth-failed', username: a.username, domain: dom.domain });
      return reply(tx, a.status, a.reason);
    }
    const terminal = a.terminal;
    if (req.method === 'REGISTER') {
      const r = await this.#d.registrar.register(req, terminal, flowOf(src));
      return reply(tx, r.status, r.reason, r.headers);
    }
    // the identity asserted in From must be the authenticated terminal (no calling as someone else)
    if (req.from.uri.user !== terminal.name) return fail(tx, 'EDGE_IDENTITY_MISMATCH');
    // No 100 Trying of our own: the INVITE server transaction sends one if nothing else went back within 200 ms
    // (RFC 3261 §17.2.1), so a callee that rings at once costs no extra message on any hop.
    if (req.method === 'INVITE') this.#d.guards.record(src, { kind: 'initial-invite', domain: dom.domain });
    const node = this.#d.appNodes.pick(terminal.client.id);
    if (!node) return fail(tx, 'EDGE_NO_APP_NODE');
    const fwd = this.#prepare(req);
    fwd.headers.delete('proxy-authorization'); // consumed here (RFC 3261 §22.3)
    addCallerHeaders(fwd, {
      brandId: terminal.client.brandId,
      clientId: terminal.client.id,
      terminalId: terminal.id,
      userId: terminal.user?.id ?? null,
      source: flowOf(src),
    });
    if (req.method === 'INVITE') this.#recordRoute(fwd, 'to-app', flowOf(src), src.transport);
    this.#forward(tx, this.#d.phones, fwd, this.#d.apps, { transport: node.transport, host: node.host, port: node.port });
  }

  #inDialogFromPhone(req: SipRequest, tx: ServerTransaction): void {
    const { popped } = this.#d.own.popOwnRoutes(req);
    if (popped === 0) return fail(tx, 'EDGE_NO_ROUTE'); // not a dialog we record-routed
    const hop = uriTarget(nextHopUri(req));
    // phones only ever reach app nodes through us: anything else would make the edge an open relay
    if (!this.#d.appNodes.isAppNode(hop.host, hop.port)) return fail(tx, 'EDGE_UNTRUSTED');
    this.#forward(tx, this.#d.phones, this.#prepare(req), this.#d.apps, hop);
  }

  #ackFromPhone(ack: SipRequest, _src: MessageSource): void {
    stripAllInternal(ack);
    const { popped } = this.#d.own.popOwnRoutes(ack);
    if (popped === 0) return;
    const hop = uriTarget(nextHopUri(ack));
    if (!this.#d.appNodes.isAppNode(hop.host, hop.port)) return;
    this.#forwardAck(ack, this.#d.apps, hop);
  }

  // --- app nodes ------------------------------------------------------------------------------------------

  async #fromApp(req: SipRequest, tx: ServerTransaction): Promise<void> {
    if (!this.#d.appNodes.isAppNode(tx.source.host, tx.source.port)) {
      if (!(await this.#isPeer(tx.source.host, tx.source.port))) return fail(tx, 'EDGE_UNTRUSTED');
      return this.#fromPeer(req, tx);
    }
    keepAllowedFromApp(req); // trust boundary, app side: only the contract's headers
    if (!this.#hopChecks(req, tx)) return;
    // an app node's keep-alive (src/sip/ua/peer-health.ts): OPTIONS to the edge itself, no user
    if (req.method === 'OPTIONS' && req.uri.user === undefined && !req.to.params.has('tag')) return reply(tx, 200, 'OK', [['Allow', ALLOW]]);
    if (req.to.params.has('tag')) return this.#inDialogFromInside(req, tx);
    const tc = readTargetHeaders(req);
    const uri = req.uri;
    const terminal =
      (uri.user !== undefined ? this.#d.directory.terminal(uri.host, uri.user) : undefined) ??
      (tc.terminalId !== undefined ? this.#d.directory.terminalById(tc.terminalId) : undefined);
    if (!terminal || (tc.clientId !== undefined && terminal.client.id !== tc.clientId)) return fail(tx, 'EDGE_UNKNOWN_TARGET');
    const ptx = new ProxyTransaction({
      serverTx: tx,
      upstream: this.#d.apps,
      clock: this.#d.clock,
      policy: tc.reject ?? terminal.user?.rejectMethod ?? 'default',
      ...(this.#d.timerCMs !== undefined ? { timerCMs: this.#d.timerCMs } : {}),
    });
    let bindings;
    try {
      bindings = await this.#d.location.lookup(aorOf(terminal.name, terminal.domain));
    } catch (e) {
      if (!(e instanceof LocationUnavailableError)) throw e;
      this.#report(e);
      return ptx.reply(EDGE_ERRORS.EDGE_LOCATION_UNAVAILABLE.status, EDGE_ERRORS.EDGE_LOCATION_UNAVAILABLE.reason, [['Retry-After', '5']]);
    }
    if (ptx.finished) return; // cancelled meanwhile
    const multi = tc.multiContact ?? terminal.user?.multiContact ?? true;
    // non-INVITE requests (MESSAGE, NOTIFY…) are not forked: the latest device gets them
    const chosen = multi && req.method === 'INVITE' ? bindings : bindings.slice(0, 1);
    if (chosen.length === 0) return ptx.reply(EDGE_ERRORS.EDGE_NOT_REGISTERED.status, EDGE_ERRORS.EDGE_NOT_REGISTERED.reason);
    for (const b of chosen) {
      const fwd = this.#prepare(req);
      fwd.uri = parseUri(b.contact);
      if (b.edge !== undefined && this.#d.self !== undefined && b.edge.id !== this.#d.self.id) {
        // RFC 3327 §5.3: route to the contact through the edge that holds its flow (that edge record-routes)
        fwd.headers.prepend('Route', recordRouteUri({ transport: 'UDP', host: b.edge.host, port: b.edge.port }, b.flow));
        this.#send(ptx, this.#d.apps, fwd, { transport: 'UDP', host: b.edge.host, port: b.edge.port });
        continue;
      }
      if (req.method === 'INVITE') this.#recordRoute(fwd, 'to-phone', b.flow, b.flow.transport);
      this.#send(ptx, this.#d.phones, fwd, flowTarget(b.flow));
    }
  }

  /** In-dialog request from an app node or a peer edge: to the phone of our Route's flow, or on to the peer named. */
  #inDialogFromInside(req: SipRequest, tx: ServerTransaction): void {
    const { flow } = this.#d.own.popOwnRoutes(req);
    if (flow) return this.#forward(tx, this.#d.apps, this.#prepare(req), this.#d.phones, flowTarget(flow));
    const hop = uriTarget(nextHopUri(req));
    // a dialog another edge record-routed (its phone's flow lives there): pass it on over the internal network
    const out = this.#d.location.isPeerEdge(hop.host, hop.port) ? this.#d.apps : this.#d.phones;
    this.#forward(tx, this.#d.apps, this.#prepare(req), out, hop);
  }

  /**
   * A request relayed by a peer edge (cluster). In a dialog: as from an app node. Outside: the peer looked the
   * binding up and preloaded a Route naming us with the phone's flow; we record-route and send over that flow.
   */
  #fromPeer(req: SipRequest, tx: ServerTransaction): void {
    if (!this.#hopChecks(req, tx)) return;
    if (req.to.params.has('tag')) return this.#inDialogFromInside(req, tx);
    const { flow } = this.#d.own.popOwnRoutes(req);
    if (!flow) return fail(tx, 'EDGE_NO_ROUTE');
    const ptx = new ProxyTransaction({
      serverTx: tx,
      upstream: this.#d.apps,
      clock: this.#d.clock,
      ...(this.#d.timerCMs !== undefined ? { timerCMs: this.#d.timerCMs } : {}),
    });
    const fwd = this.#prepare(req);
    if (req.method === 'INVITE') this.#recordRoute(fwd, 'to-phone', flow, flow.transport);
    this.#send(ptx, this.#d.phones, fwd, flowTarget(flow));
  }

  /** A peer edge's internal address? On a miss the peer list is reloaded (at most once a second). */
  async #isPeer(host: string, port: number): Promise<boolean> {
    if (this.#d.location.isPeerEdge(host, port)) return true;
    const now = this.#d.clock.now();
    if (now - this.#peersRefreshedAt < 1000) return false;
    this.#peersRefreshedAt = now;
    await this.#d.location.refreshPeers();
    return this.#d.location.isPeerEdge(host, port);
  }

  #ackFromApp(ack: SipRequest, src: MessageSource): void {
    if (!this.#d.appNodes.isAppNode(src.host, src.port) && !this.#d.location.isPeerEdge(src.host, src.port)) return;
    const { flow } = this.#d.own.popOwnRoutes(ack);
    if (flow) return this.#forwardAck(ack, this.#d.phones, flowTarget(flow));
    const hop = uriTarget(nextHopUri(ack));
    this.#forwardAck(ack, this.#d.location.isPeerEdge(hop.host, hop.port) ? this.#d.apps : this.#d.phones, hop);
  }

  // --- shared -----------------------------------------------------------------------------------------------

  /** §16.3 steps 3–4: Max-Forwards and loops. False when the request was answered. */
  #hopChecks(req: SipRequest, tx: ServerTransaction): boolean {
    const mf = req.maxForwards;
    if (mf !== undefined && mf <= 0) {
      if (req.method === 'OPTIONS') reply(tx, 200, 'OK', [['Allow', ALLOW]]); // §16.3 step 3 allows answering
      else fail(tx, 'EDGE_TOO_MANY_HOPS');
      return false;
    }
    if (this.#d.own.hasOwnVia(req)) {
      fail(tx, 'EDGE_LOOP');
      return false;
    }
    return true;
  }

  /** §16.6 steps 1, 3: a copy to forward (the server transaction keeps the original), Max-Forwards minus one. */
  #prepare(req: SipRequest): SipRequest {
    const fwd = req.clone();
    const mf = req.maxForwards;
    fwd.headers.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    if (fwd.headers.has('route')) this.#d.own.popOwnRoutes(fwd);
    return fwd;
  }

  /**
   * §16.6 step 4 with RFC 5658 double record-routing: the upstream-facing entry first, the downstream-facing one
   * on top, both carrying the phone's flow.
   */
  #recordRoute(fwd: SipRequest, dir: 'to-app' | 'to-phone', flow: Flow, phoneTransport: TransportName): void {
    const pub = this.#d.phones.sentBy(phoneTransport) ?? this.#d.phones.sentBy('UDP')!;
    const int = this.#d.apps.sentBy('UDP')!;
    const phoneSide = recordRouteUri({ transport: phoneTransport, ...pub }, flow);
    const appSide = recordRouteUri({ transport: 'UDP', ...int }, flow);
    const [first, top] = dir === 'to-app' ? [phoneSide, appSide] : [appSide, phoneSide];
    fwd.headers.prepend('Record-Route', first);
    fwd.headers.prepend('Record-Route', top);
  }

  #forward(tx: ServerTransaction, upstream: SipStack, fwd: SipRequest, downstream: SipStack, target: SendTarget): void {
    if (downstream === this.#d.phones) stripAllInternal(fwd); // trust boundary, phone side outbound
    const ptx = new ProxyTransaction({
      serverTx: tx,
      upstream,
      clock: this.#d.clock,
      ...(this.#d.timerCMs !== undefined ? { timerCMs: this.#d.timerCMs } : {}),
    });
    this.#send(ptx, downstream, fwd, target);
  }

  #send(ptx: ProxyTransaction, stack: SipStack, fwd: SipRequest, target: SendTarget): void {
    if (stack === this.#d.phones) stripAllInternal(fwd);
    const sb = stack.sentBy(target.transport);
    if (!sb) return ptx.reply(503, 'Service Unavailable');
    // §16.6 step 8: our Via on top with a fresh branch
    fwd.headers.prepend('Via', formatOwnVia(target.transport, sb.host, sb.port, newBranch()));
    ptx.addBranch(stack, fwd, target);
  }

  /** ACK for a 2xx is end to end: forwarded statelessly (§16.7 last paragraph, §16.11). */
  #forwardAck(ack: SipRequest, stack: SipStack, target: SendTarget): void {
    const mf = ack.maxForwards;
    if (mf !== undefined && mf <= 0) return;
    ack.headers.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    if (stack === this.#d.phones) stripAllInternal(ack);
    const sb = stack.sentBy(target.transport);
    if (!sb) return;
    ack.headers.prepend('Via', formatOwnVia(target.transport, sb.host, sb.port, newBranch()));
    stack.sendAck(ack, target);
  }

  /**
   * A response matching no client transaction (late 2xx retransmission): drop our Via, relay statelessly.
   * `upstream` undefined (it arrived on the internal stack): to an app node or peer edge over the internal
   * stack, else to the phone.
   */
  #stray(res: SipResponse, upstream: SipStack | undefined): void {
    if (res.status < 200 || res.status >= 300 || res.cseq.method !== 'INVITE') return;
    res.headers.removeFirst('via');
    if (!res.headers.has('via')) return;
    stripAllInternal(res);
    const route = responseRoute(res.topVia);
    if (!route) return;
    const inside = this.#d.appNodes.isAppNode(route.host, route.port) || this.#d.location.isPeerEdge(route.host, route.port);
    const stack = upstream ?? (inside ? this.#d.apps : this.#d.phones);
    stack.sendStateless(res, { transport: route.transport, host: route.host, port: route.port });
  }
}
