// The `X-Sy-*` contract between the users edge and app nodes (docs/sip-headers.md, briefs calls-contract) and
// the trust boundary: this file is the one place that decides which internal headers cross. Phones can neither
// inject nor see any `X-Sy-*` header; from app nodes only the allow-listed ones are kept (an allow-list, never a
// deny-list: a header the edge does not know is dropped, not passed).
import type { SipMessage } from '../../sip/message.ts';
import type { CallRejectionMethod } from '../../domain/vpbx/call-rejection.ts';
import { formatSource, type Flow } from './flow.ts';

/** Headers the edge sets towards app nodes (caller side of an internal call). */
export const EDGE_TO_APP = ['X-Sy-Brand', 'X-Sy-Client', 'X-Sy-Caller', 'X-Sy-Source', 'X-Sy-Call-Kind'] as const;
/** Headers an app node may set on a B-leg INVITE to the edge; everything else `X-Sy-*` is dropped. */
export const APP_TO_EDGE = ['X-Sy-Target', 'X-Sy-Client', 'X-Sy-Reject', 'X-Sy-Multi-Contact'] as const;

const PREFIX = 'x-sy-';
const APP_ALLOWED = new Set(APP_TO_EDGE.map((h) => h.toLowerCase()));

/** Names of the `X-Sy-*` fields (per message on both edges: indexed access, nothing allocated without one). */
function internalNames(msg: SipMessage): string[] {
  const h = msg.headers;
  let out: string[] | undefined;
  for (let i = 0, n = h.size; i < n; i++) {
    if (!h.keyAt(i).startsWith(PREFIX)) continue;
    const name = h.nameAt(i);
    out ??= [];
    if (!out.includes(name)) out.push(name);
  }
  return out ?? NONE;
}
const NONE: string[] = [];

/** Trust boundary, phone side (both directions): no `X-Sy-*` header survives. Returns how many were removed. */
export function stripAllInternal(msg: SipMessage): number {
  const names = internalNames(msg);
  for (const n of names) msg.headers.delete(n);
  return names.length;
}

/** Trust boundary, app side (inbound): only the allow-listed `X-Sy-*` headers stay. */
export function keepAllowedFromApp(msg: SipMessage): void {
  for (const n of internalNames(msg)) if (!APP_ALLOWED.has(n.toLowerCase())) msg.headers.delete(n);
}

export interface CallerContext {
  brandId: number;
  clientId: number;
  terminalId: number;
  userId: number | null;
  source: Flow;
}

/** Edge → app on an authenticated phone INVITE (after stripAllInternal). */
export function addCallerHeaders(msg: SipMessage, c: CallerContext): void {
  msg.headers.append('X-Sy-Brand', String(c.brandId));
  msg.headers.append('X-Sy-Client', String(c.clientId));
  msg.headers.append('X-Sy-Caller', `terminal;id=${c.terminalId}${c.userId !== null ? `;user=${c.userId}` : ''}`);
  msg.headers.append('X-Sy-Source', formatSource(c.source));
  msg.headers.append('X-Sy-Call-Kind', 'internal-origin');
}

export interface TargetContext {
  terminalId: number | undefined;
  clientId: number | undefined;
  reject: CallRejectionMethod | undefined;
  multiContact: boolean | undefined;
}

const REJECT: readonly CallRejectionMethod[] = ['default', 'reject-all', 'reject-current'];

/** App → edge: what the B-leg INVITE says about its target. Unknown or malformed values read as undefined. */
export function readTargetHeaders(msg: SipMessage): TargetContext {
  const h = msg.headers;
  const target = /^\s*terminal\s*;\s*id\s*=\s*(\d+)\s*$/i.exec(h.get('X-Sy-Target') ?? '');
  const client = /^\s*(\d+)\s*$/.exec(h.get('X-Sy-Client') ?? '');
  const reject = (h.get('X-Sy-Reject') ?? '').trim().toLowerCase();
  const multi = (h.get('X-Sy-Multi-Contact') ?? '').trim();
  return {
    terminalId: target ? Number(target[1]) : undefined,
    clientId: client ? Number(client[1]) : undefined,
    reject: REJECT.includes(reject as CallRejectionMethod) ? (reject as CallRejectionMethod) : undefined,
    multiContact: multi === '1' ? true : multi === '0' ? false : undefined,
  };
}
