// The internal X-Sy-* headers between the users edge and the app (docs/sip-headers.md, calls contract):
// what the edge tells the app about an authenticated caller, and what the app tells the edge about a B-leg target.
// Parsing is strict: a malformed internal header is a bug in a trusted peer, answered 400 by the caller.

/** Edge → app on a phone-originated INVITE. */
export interface CallerContext {
  brandId: number;
  clientId: number;
  terminalId: number;
  userId: number | null;
  /** `ip:port;transport=udp` of the phone, for logs and IP rules. */
  source: string | null;
  kind: string;
}

export type CallerContextResult = { ok: true; value: CallerContext } | { ok: false; code: 'BAD_INTERNAL_HEADER'; header: string };

interface HeaderSource {
  get(name: string): string | undefined;
}

function int(v: string | undefined): number | null {
  if (v === undefined || !/^\d{1,10}$/.test(v.trim())) return null;
  return Number(v.trim());
}

/** `terminal;id=12;user=7` → { id: 12, user: 7 }. */
export function parseTaggedId(value: string, kind: string): { id: number; params: Map<string, string> } | null {
  const parts = value.split(';').map((p) => p.trim());
  if (parts[0]?.toLowerCase() !== kind) return null;
  const params = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
  }
  const id = int(params.get('id'));
  return id === null ? null : { id, params };
}

/** Reads the caller context the edge put on an INVITE (contract: X-Sy-Brand, X-Sy-Client, X-Sy-Caller, …). */
export function readCallerContext(h: HeaderSource): CallerContextResult {
  const bad = (header: string): CallerContextResult => ({ ok: false, code: 'BAD_INTERNAL_HEADER', header });
  const brandId = int(h.get('X-Sy-Brand'));
  if (brandId === null) return bad('X-Sy-Brand');
  const clientId = int(h.get('X-Sy-Client'));
  if (clientId === null) return bad('X-Sy-Client');
  const caller = parseTaggedId(h.get('X-Sy-Caller') ?? '', 'terminal');
  if (!caller) return bad('X-Sy-Caller');
  const user = caller.params.get('user');
  const userId = user === undefined ? null : int(user);
  if (user !== undefined && userId === null) return bad('X-Sy-Caller');
  return {
    ok: true,
    value: {
      brandId,
      clientId,
      terminalId: caller.id,
      userId,
      source: h.get('X-Sy-Source') ?? null,
      kind: h.get('X-Sy-Call-Kind') ?? 'internal-origin',
    },
  };
}

/** App → edge on a B-leg INVITE: which terminal to ring and how to fork (contract "Fork policy at the edge"). */
export interface TargetHeaders {
  terminalId: number;
  clientId: number;
  reject: 'default' | 'reject-all' | 'reject-current';
  multiContact: boolean;
}

export function targetHeaders(t: TargetHeaders): Array<[string, string]> {
  return [
    ['X-Sy-Target', `terminal;id=${t.terminalId}`],
    ['X-Sy-Client', String(t.clientId)],
    ['X-Sy-Reject', t.reject],
    ['X-Sy-Multi-Contact', t.multiContact ? '1' : '0'],
  ];
}
