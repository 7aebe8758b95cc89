// Where a server transaction sends its responses: RFC 3261 §18.2.2 with RFC 3581 §4 (rport).
import type { Via } from '../message.ts';
import type { MessageSource, SendTarget, TransportName } from './types.ts';

export function responseTarget(via: Via, source: MessageSource, reliable: boolean): SendTarget {
  const transport = source.transport;
  // §18.2.2: reliable transport → the connection the request came on (the stack may open a new one to
  // received/sent-by if it has gone, using host/port below).
  if (reliable) {
    const t: SendTarget = { transport, host: source.host, port: source.port };
    if (source.connectionId !== undefined) t.connectionId = source.connectionId;
    return t;
  }
  const maddr = via.params.get('maddr');
  if (maddr) return { transport, host: maddr, port: via.port ?? defaultPort(transport) };
  // RFC 3581 §4: rport present → back to the source address and port the request came from.
  if (via.params.has('rport')) return { transport, host: source.host, port: source.port };
  // §18.2.2: the received address (the packet source) and the sent-by port.
  return { transport, host: source.host, port: via.port ?? defaultPort(transport) };
}

export function defaultPort(t: TransportName | string): number {
  const u = t.toUpperCase();
  return u === 'TLS' || u === 'WSS' ? 5061 : 5060;
}
