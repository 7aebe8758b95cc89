// Registrar (RFC 3261 §10.3) for authenticated terminals: expiry bounds (423 + Min-Expires below the minimum,
// clamp above the maximum), several contacts per AoR, `*` removal, Call-ID/CSeq ordering (in the location
// service, atomically), 200 with every current binding and its remaining expiry. The binding remembers the
// flow the REGISTER came from: that, not the Contact host, is the route to the phone (NAT).
import { formatUri, paramValue, type NameAddr, type SipRequest } from '../../sip/message.ts';
import type { DirectoryTerminal } from '../../store/directory/types.ts';
import { EDGE_ERRORS, type EdgeErrorCode } from './errors.ts';
import type { Flow } from './flow.ts';
import { aorOf, type Binding, type ContactChange, type LocationService } from './location.ts';

export interface RegistrarOptions {
  /** seconds (default 60); shorter non-zero requests get 423 */
  minExpires?: number;
  /** seconds (default 3600); longer requests are granted this */
  maxExpires?: number;
  /** seconds when the REGISTER says nothing (default 3600, capped by maxExpires) */
  defaultExpires?: number;
}

export interface RegisterReply {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  code?: EdgeErrorCode;
}

function fail(code: EdgeErrorCode, headers: Array<[string, string]> = []): RegisterReply {
  const e = EDGE_ERRORS[code];
  return { status: e.status, reason: e.reason, headers, code };
}

function parseSeconds(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.trim();
  if (!/^\d{1,10}$/.test(t)) return undefined;
  return Number(t);
}

export class Registrar {
  readonly #loc: LocationService;
  readonly #min: number;
  readonly #max: number;
  readonly #default: number;

  constructor(loc: LocationService, o: RegistrarOptions = {}) {
    this.#loc = loc;
    this.#min = o.minExpires ?? 60;
    this.#max = o.maxExpires ?? 3600;
    this.#default = Math.min(o.defaultExpires ?? 3600, this.#max);
  }

  get minExpires(): number {
    return this.#min;
  }

  /** An authenticated REGISTER of `terminal` (its domain already resolved), received from `flow`. */
  async register(req: SipRequest, terminal: DirectoryTerminal, flow: Flow): Promise<RegisterReply> {
    // §10.3 step 5/6: the AoR is the To URI; the credentials must own it.
    const to = req.to.uri;
    if (to.user !== terminal.name || to.host.toLowerCase() !== terminal.domain) return fail('EDGE_AOR_MISMATCH');
    const aor = aorOf(terminal.name, terminal.domain);

    let contacts: NameAddr[];
    try {
      contacts = req.headers.has('contact') ? req.contacts() : [];
    } catch {
      return fail('EDGE_BAD_CONTACT');
    }
    const headerExpires = parseSeconds(req.headers.get('expires'));
    if (contacts.length === 0) return this.#ok(await this.#loc.lookup(aor)); // §10.3 step 6: a query

    let changes: ContactChange[] | 'remove-all';
    if (contacts.some((c) => c.star)) {
      // §10.2.2: `*` only alone and only with Expires: 0
      if (contacts.length !== 1 || headerExpires !== 0) return fail('EDGE_BAD_CONTACT');
      changes = 'remove-all';
    } else {
      changes = [];
      for (const c of contacts) {
        if (c.uri.scheme !== 'sip' && c.uri.scheme !== 'sips') return fail('EDGE_BAD_CONTACT');
        let expires = parseSeconds(c.params.get('expires')) ?? headerExpires ?? this.#default;
        // §10.3 step 7 / RFC 3261 §21.4.17: too short → 423 for the whole request, nothing applied
        if (expires > 0 && expires < this.#min) return fail('EDGE_INTERVAL_TOO_BRIEF', [['Min-Expires', String(this.#min)]]);
        expires = Math.min(expires, this.#max);
        const uri = { ...c.uri, headers: new Map() };
        const contact = formatUri(uri);
        const instanceId = paramValue(c.params, '+sip.instance');
        const q = c.params.get('q');
        const qv = q === null || q === undefined ? undefined : Number(q);
        changes.push({
          contact,
          key: instanceId ?? contact,
          expires,
          ...(qv !== undefined && Number.isFinite(qv) ? { q: qv } : {}),
          ...(instanceId !== undefined ? { instanceId } : {}),
        });
      }
    }
    const ua = req.headers.get('user-agent');
    const r = await this.#loc.apply({
      aor,
      owner: { clientId: terminal.client.id, terminalId: terminal.id, userId: terminal.user?.id ?? null },
      callId: req.callId,
      cseq: req.cseq.seq,
      flow,
      ...(ua !== undefined ? { userAgent: ua } : {}),
      changes,
      single: terminal.user !== null && !terminal.user.multiContact,
    });
    if (!r.ok) return fail(r.code);
    return this.#ok(r.bindings);
  }

  /** §10.3 step 8: 200 listing every current binding with its remaining time. */
  #ok(bindings: readonly Binding[]): RegisterReply {
    const now = this.#loc.now();
    const headers: Array<[string, string]> = bindings.map((b) => {
      const left = Math.max(1, Math.ceil((b.expiresAt - now) / 1000));
      const inst = b.instanceId !== undefined ? `;+sip.instance="${b.instanceId}"` : '';
      return ['Contact', `<${b.contact}>;expires=${left}${inst}`];
    });
    return { status: 200, reason: 'OK', headers };
  }
}
