// Record-Route and loose routing for a proxy with two faces (RFC 3261 §16.4, §16.6 steps 4–7, §16.12; RFC 5658
// double record-routing): the public listeners where phones are, and the internal listener where app nodes are.
// A request crossing the edge gets two Record-Route entries, the downstream-facing one on top, so each side's
// route set starts with the address it can reach. Both carry the phone's flow (`sy-flow`), so requests from the
// app later in the dialog reach a phone behind NAT or on its WebSocket connection without per-dialog state.
import { formatNameAddr, formatUri, type NameAddr, type SipRequest, type SipUri } from '../../sip/message.ts';
import type { SendTarget, TransportName } from '../../sip/transaction/types.ts';
import { defaultPort } from '../../sip/transport/response-route.ts';
import { decodeFlow, encodeFlow, type Flow } from './flow.ts';

export const FLOW_PARAM = 'sy-flow';

export interface Address {
  transport: TransportName;
  host: string;
  port: number;
}

function hostPart(h: string): string {
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/** `sip:host:port;transport=x;lr[;sy-flow=…]` for one of our listeners. */
export function recordRouteUri(a: Address, flow?: Flow): string {
  const tp = a.transport === 'UDP' ? '' : `;transport=${a.transport.toLowerCase()}`;
  const f = flow ? `;${FLOW_PARAM}=${encodeFlow(flow)}` : '';
  return `<sip:${hostPart(a.host)}:${a.port}${tp};lr${f}>`;
}

/** Where a SIP URI points (RFC 3263 without DNS: the host is an address or resolved by the OS). */
export function uriTarget(u: SipUri): SendTarget {
  const tp = (u.params.get('transport') ?? (u.scheme === 'sips' ? 'tls' : 'udp')).toUpperCase();
  const transport: TransportName = tp === 'TCP' || tp === 'TLS' || tp === 'WS' || tp === 'WSS' ? tp : 'UDP';
  return { transport, host: u.host, port: u.port ?? defaultPort(transport) };
}

export class OwnAddresses {
  readonly #set = new Set<string>();

  add(host: string, port: number): void {
    this.#set.add(`${host.toLowerCase()}|${port}`);
  }

  /** Does this URI name one of our listeners? (host as we advertise it, port or the transport default) */
  isOwn(u: SipUri): boolean {
    if (u.scheme !== 'sip' && u.scheme !== 'sips') return false;
    const port = u.port ?? uriTarget(u).port;
    return this.#set.has(`${u.host.toLowerCase()}|${port}`);
  }

  /** RFC 3261 §16.3 step 4 (loop detection, simplified): a request already carrying one of our Vias came back. */
  hasOwnVia(req: SipRequest): boolean {
    // one Via field with one value (a phone's request, the common case): nothing below the top to look at, no parsing
    const top = req.headers.getByKey('via');
    if (top !== undefined && top.indexOf(',') < 0 && req.headers.countFields('Via') === 1) return false;
    const vias = req.via;
    for (let i = 1; i < vias.length; i++) {
      const v = vias[i]!;
      if (this.#set.has(`${v.host.toLowerCase()}|${v.port ?? defaultPort(v.transport)}`)) return true;
    }
    return false;
  }

  /**
   * RFC 3261 §16.4: remove the Route entries naming us at the top (one or two: double record-routing) and
   * return how many there were and the phone flow they carried. The remaining routes are rewritten one per
   * field (a phone may fold them into one comma-separated field).
   */
  popOwnRoutes(req: SipRequest): { popped: number; flow: Flow | undefined } {
    if (!req.headers.has('route')) return { popped: 0, flow: undefined };
    const routes: NameAddr[] = req.routes();
    let popped = 0;
    let flow: Flow | undefined;
    while (popped < routes.length && this.isOwn(routes[popped]!.uri)) {
      flow ??= decodeFlow(routes[popped]!.uri.params.get(FLOW_PARAM));
      popped++;
    }
    if (popped > 0) {
      const rest = routes.slice(popped);
      req.headers.delete('route');
      for (const r of rest) req.headers.append('Route', formatNameAddr(r));
    }
    return { popped, flow };
  }
}

/** §16.6 step 6/7: next hop is the first remaining Route, else the Request-URI. */
export function nextHopUri(req: SipRequest): SipUri {
  const r = req.headers.has('route') ? req.routes()[0] : undefined;
  return r ? r.uri : req.uri;
}

export { formatUri };
