// A minimal transaction-stateful forwarding proxy on the library (RFC 3261 §16), the benchmark twin of
// kamailio.cfg: Max-Forwards check, 100 Trying for INVITE, Record-Route on INVITE, loose routing for
// in-dialog requests (§16.4), a static location table instead of a registrar, stateful relay of every
// request except ACK for 2xx (forwarded statelessly, §16.7/§16.11), CANCEL propagated to the branch.
//
//   node --import tsx bench/sip/proxy/proxy.ts --port 5570 --route uas=127.0.0.1:5580
import { realClock, type Clock } from '../../../src/sip/clock.ts';
import { createResponse, type SipRequest, type SipResponse } from '../../../src/sip/message.ts';
import { createSipStack, type SipStack } from '../../../src/sip/stack.ts';
import { newBranch } from '../../../src/sip/transaction/branch.ts';
import type { ClientTxHandlers, SendTarget, ServerTransaction } from '../../../src/sip/transaction/types.ts';
import { formatOwnVia } from '../../../src/sip/transaction/via.ts';
import { responseRoute } from '../../../src/sip/transport/response-route.ts';

export interface ProxyOptions {
  host: string;
  port: number;
  /** user part of the Request-URI → where that user is (the static "location table") */
  routes: Map<string, { host: string; port: number }>;
  /** RFC 3261 T1 override (experiments only: it also scales every 64*T1 retention timer) */
  t1?: number;
  /**
   * Experiment: cap every transaction timer at this many ms (64*T1 timers B, D, F, H, J, L, M become e.g.
   * 5 s, like Kamailio's wt_timer). Not RFC 3261 behaviour; measures what transaction retention costs.
   */
  capTimersMs?: number;
}

function cappedClock(cap: number): Clock {
  return { now: realClock.now, setTimeout: (fn, ms) => realClock.setTimeout(fn, Math.min(ms, cap)), clearTimeout: realClock.clearTimeout };
}

export async function startProxy(o: ProxyOptions): Promise<SipStack> {
  // 4 MiB socket buffers, as Kamailio gets with -b 4194304 (interop README §2 gotcha 4)
  const stack = await createSipStack({
    listen: [{ transport: 'udp', host: o.host, port: o.port }],
    limits: { udpBufferBytes: 4_194_304 },
    ...(o.t1 ? { timers: { T1: o.t1 } } : {}),
    ...(o.capTimersMs ? { clock: cappedClock(o.capTimersMs) } : {}),
  });
  const me = stack.sentBy('UDP')!;
  const recordRoute = `<sip:${me.host}:${me.port};lr>`;

  /** RFC 3261 §16.4: the top Route names us → remove it (we are a loose router). */
  const popOwnRoute = (req: SipRequest): void => {
    const top = req.routes()[0];
    if (top && top.uri.host === me.host && (top.uri.port ?? 5060) === me.port) req.headers.removeFirst('route');
  };

  /** §16.6 step 6/7: next hop is the first Route if any, else the Request-URI. */
  const nextHop = (req: SipRequest): SendTarget => {
    const r = req.routes()[0];
    const uri = r ? r.uri : req.uri;
    return { transport: 'UDP', host: uri.host, port: uri.port ?? 5060 };
  };

  /** §16.6 step 8: our own Via with a fresh branch; step 3: Max-Forwards decremented. */
  const prepareForward = (req: SipRequest): void => {
    req.headers.prepend('Via', formatOwnVia('UDP', me.host, me.port, newBranch(), false));
    const mf = req.maxForwards;
    req.headers.set('Max-Forwards', String(mf === undefined ? 69 : mf - 1));
  };

  /** a response from downstream: drop our Via (§16.7 step 3) and hand it to the server transaction */
  const relayResponse = (res: SipResponse, serverTx: ServerTransaction): void => {
    res.headers.removeFirst('via');
    if (serverTx.state === 'terminated') {
      sendUpstreamStateless(res);
      return;
    }
    try {
      serverTx.respond(res);
    } catch {
      sendUpstreamStateless(res); // e.g. a 2xx retransmission after the server transaction ended
    }
  };

  const sendUpstreamStateless = (res: SipResponse): void => {
    const route = responseRoute(res.topVia);
    if (route) stack.sendStateless(res, { transport: route.transport, host: route.host, port: route.port });
  };

  /**
   * A local final response upstream. The request object was forwarded in place (no copy per request), so
   * it carries our Via on top: strip it from the response (§16.7 step 3 spirit: upstream sees its own Vias).
   */
  const localReply = (serverTx: ServerTransaction, status: number, reason: string): void => {
    if (serverTx.state !== 'proceeding' && serverTx.state !== 'trying') return;
    const res = createResponse(serverTx.request, status, reason);
    const top = res.topVia;
    if (top.host === me.host && top.port === me.port) res.headers.removeFirst('via');
    serverTx.respond(res);
  };

  /**
   * The client transaction's handlers for one forwarded request: one object with prototype methods, not an
   * object literal of three closures (tsx compiles with esbuild's keepNames, which gives every closure made
   * in an object literal a defineProperty call and a property array — per forwarded request here).
   */
  class Relay implements ClientTxHandlers {
    constructor(private readonly serverTx: ServerTransaction) {}
    onResponse(res: SipResponse): void {
      if (res.status === 100) return; // hop-by-hop (§16.7 step 3)
      relayResponse(res, this.serverTx);
    }
    onTimeout(): void {
      localReply(this.serverTx, 408, 'Request Timeout');
    }
    onTransportError(): void {
      localReply(this.serverTx, 503, 'Service Unavailable');
    }
  }

  stack.onRequest((req, serverTx) => {
    const mf = req.maxForwards;
    if (mf !== undefined && mf <= 0) return serverTx.respond(createResponse(req, 483, 'Too Many Hops'));
    const inDialog = req.to.params.has('tag');
    let target: SendTarget;
    if (inDialog) {
      popOwnRoute(req);
      target = nextHop(req);
    } else {
      if (req.method === 'INVITE') serverTx.respond(createResponse(req, 100, 'Trying'));
      const loc = req.uri.user !== undefined ? o.routes.get(req.uri.user) : undefined;
      if (!loc) return serverTx.respond(createResponse(req, 404, 'Not Found'));
      popOwnRoute(req);
      if (req.method === 'INVITE') req.headers.prepend('Record-Route', recordRoute);
      req.uri = { ...req.uri, host: loc.host, port: loc.port };
      target = nextHop(req);
    }
    prepareForward(req);
    const clientTx = stack.sendRequest(req, target, new Relay(serverTx));
    if (req.method === 'INVITE') serverTx.onCancel(() => clientTx.cancel());
  });

  // ACK for a 2xx is end-to-end: forward statelessly along the route set (§16.7 last paragraph, §16.11)
  stack.onAck((ack) => {
    popOwnRoute(ack);
    const target = nextHop(ack);
    prepareForward(ack);
    stack.sendAck(ack, target);
  });

  // responses matching no transaction (2xx retransmissions late): stateless relay if the top Via is ours
  stack.onStrayResponse((res) => {
    const top = res.topVia;
    if (top.host !== me.host || (top.port ?? 5060) !== me.port) return;
    res.headers.removeFirst('via');
    sendUpstreamStateless(res);
  });

  return stack;
}

function parseArgs(argv: string[]): ProxyOptions {
  const o: ProxyOptions = { host: '127.0.0.1', port: 5570, routes: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1] ?? '';
    if (a === '--host') o.host = v;
    else if (a === '--port') o.port = Number(v);
    else if (a === '--t1') o.t1 = Number(v);
    else if (a === '--cap-timers') o.capTimersMs = Number(v);
    else if (a === '--route') {
      const [user, hp] = v.split('=');
      const [h, p] = (hp ?? '').split(':');
      o.routes.set(user!, { host: h!, port: Number(p) });
    } else continue;
    i++;
  }
  return o;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = parseArgs(process.argv.slice(2));
  const stack = await startProxy(o);
  console.log(`proxy listening udp:${stack.addresses[0]!.host}:${stack.addresses[0]!.port} routes ${[...o.routes].map(([u, l]) => `${u}→${l.host}:${l.port}`).join(' ')}`);
  const stop = () => {
    const m = stack.metrics.snapshot();
    console.log(`proxy metrics ${JSON.stringify(m)} tx ${JSON.stringify(stack.tx.stats)}`);
    void stack.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
