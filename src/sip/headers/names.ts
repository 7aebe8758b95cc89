// Header-name normalisation: case-insensitive names and compact forms map to one canonical key
// (the lower-case long form). RFC 3261 §7.3.1 (names are case-insensitive), §7.3.3 (compact forms).
// The parser looks names up by a case-folded hash over the received characters (no string is made
// for a name spelt the usual way); the API looks them up by string.

const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
  o: 'event', u: 'allow-events', // RFC 6665 §8.3.1
  r: 'refer-to', // RFC 3515 §2.1
  b: 'referred-by', // RFC 3892 §7
  a: 'accept-contact', j: 'reject-contact', d: 'request-disposition', // RFC 3841 §12
  x: 'session-expires', // RFC 4028 §4
  y: 'identity', // RFC 8224 §4
};

// RFC 3261 §7.3.1: header fields whose grammar is a comma-separated list may be folded into one
// field line; these are split on top-level commas by SipHeaders.getAll().
const MULTI_VALUE = new Set([
  'via', 'contact', 'route', 'record-route', 'allow', 'supported', 'require', 'proxy-require',
  'unsupported', 'accept', 'accept-encoding', 'accept-language', 'allow-events', 'content-encoding',
  'content-language', 'in-reply-to', 'alert-info', 'call-info', 'error-info', 'warning', 'path',
  'service-route', 'p-asserted-identity', 'p-preferred-identity', 'p-associated-uri', 'history-info',
  'reason', 'security-client', 'security-server', 'security-verify', 'accept-contact', 'reject-contact',
  'request-disposition',
]);

export function isMultiValue(key: string): boolean {
  return MULTI_VALUE.has(key);
}

/**
 * Headers the parser validates eagerly or the message model caches, by small id (0 = other). The
 * parser counts them while it reads the header section, so validation needs no second pass.
 */
export const H_VIA = 1;
export const H_CSEQ = 2;
export const H_CALL_ID = 3;
export const H_FROM = 4;
export const H_TO = 5;
export const H_MAX_FORWARDS = 6;
export const H_CONTENT_LENGTH = 7;
export const H_CONTACT = 8;
export const H_DATE = 9;
export const H_ROUTE = 10;
export const H_RECORD_ROUTE = 11;
/** Memo slot only: the top Via alone (a proxy reads it; the whole list is parsed when asked for). */
export const H_TOP_VIA = 12;
export const H_COUNT = 13;

const IDS: Record<string, number> = {
  via: H_VIA, cseq: H_CSEQ, 'call-id': H_CALL_ID, from: H_FROM, to: H_TO, 'max-forwards': H_MAX_FORWARDS,
  'content-length': H_CONTENT_LENGTH, contact: H_CONTACT, date: H_DATE, route: H_ROUTE, 'record-route': H_RECORD_ROUTE,
};

/** Id of a canonical key (H_*), 0 for others. */
export function headerId(key: string): number {
  return IDS[key] ?? 0;
}

/** A known header name spelling: the received name in its usual spelling, its key and id. */
export interface KnownName {
  readonly name: string; // usual spelling, e.g. 'Call-ID'
  readonly lower: string;
  readonly key: string;
  readonly id: number;
}

// Usual spellings (RFC 3261 §20 and common extensions); compact forms come from COMPACT.
const USUAL = [
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Subject',
  'Expires', 'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Authentication-Info',
  'User-Agent', 'Server', 'Allow', 'Supported', 'Require', 'Proxy-Require', 'Unsupported', 'Route', 'Record-Route',
  'Accept', 'Accept-Encoding', 'Accept-Language', 'Content-Encoding', 'Content-Language', 'Content-Disposition',
  'Date', 'Min-Expires', 'Retry-After', 'Timestamp', 'Warning', 'Organization', 'Priority', 'In-Reply-To',
  'Reply-To', 'MIME-Version', 'Alert-Info', 'Call-Info', 'Error-Info', 'Event', 'Allow-Events',
  'Subscription-State', 'Refer-To', 'Referred-By', 'Replaces', 'Session-Expires', 'Min-SE', 'RAck', 'RSeq',
  'Path', 'Service-Route', 'P-Asserted-Identity', 'P-Preferred-Identity', 'P-Associated-URI', 'P-Charging-Vector',
  'P-Access-Network-Info', 'P-Called-Party-ID', 'Privacy', 'Reason', 'History-Info', 'Diversion', 'Identity',
  'SIP-ETag', 'SIP-If-Match', 'Security-Client', 'Security-Server', 'Security-Verify', 'Accept-Contact',
  'Reject-Contact', 'Request-Disposition', 'Recv-Info', 'Info-Package', 'Flow-Timer', 'Feature-Caps',
];

const TABLE_BITS = 9;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
const TABLE: Array<KnownName | undefined> = new Array<KnownName | undefined>(TABLE_MASK + 1).fill(undefined);
const BY_STRING = new Map<string, string>(); // exact spelling → key (usual, lower-case and compact forms)

/** Step of the case-folded name hash; the parser inlines the same arithmetic. */
export function nameHashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 0x20)) | 0;
}

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = nameHashStep(h, s.charCodeAt(i));
  return h;
}

/** The internalised copy of s (property names are), so key comparisons against literals are pointer checks. */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0] as string;
}

function addKnown(name: string, key: string): void {
  const lower = intern(name.toLowerCase());
  key = intern(key);
  const entry: KnownName = { name: intern(name), lower, key, id: headerId(key) };
  let slot = hashOf(name) & TABLE_MASK;
  while (TABLE[slot] !== undefined) {
    if ((TABLE[slot] as KnownName).lower === lower) return;
    slot = (slot + 1) & TABLE_MASK;
  }
  TABLE[slot] = entry;
  BY_STRING.set(name, key);
  BY_STRING.set(lower, key);
}
for (const n of USUAL) addKnown(n, n.toLowerCase());
for (const [c, key] of Object.entries(COMPACT)) addKnown(c, key);

/**
 * Known header name whose case-folded hash is h and whose characters are s[from..to), or undefined.
 * `exact` (out) tells whether the spelling is exactly entry.name. Used by the parser's header loop.
 */
export function lookupName(s: string, from: number, to: number, h: number, exact: { value: boolean }): KnownName | undefined {
  const len = to - from;
  let slot = h & TABLE_MASK;
  for (;;) {
    const e = TABLE[slot];
    if (e === undefined) return undefined;
    if (e.lower.length === len) {
      const name = e.name;
      const lower = e.lower;
      let same = true;
      let k = 0;
      for (; k < len; k++) {
        const c = s.charCodeAt(from + k);
        if (c !== name.charCodeAt(k)) {
          same = false;
          const l = c >= 65 && c <= 90 ? c + 32 : c;
          if (l !== lower.charCodeAt(k)) break;
        }
      }
      if (k === len) {
        exact.value = same;
        return e;
      }
    }
    slot = (slot + 1) & TABLE_MASK;
  }
}

/** Canonical key of a header name: lower-case long form. */
export function headerKey(name: string): string {
  const known = BY_STRING.get(name);
  if (known !== undefined) return known;
  if (name.length === 1) {
    const lower = name.toLowerCase();
    return COMPACT[lower] ?? lower;
  }
  return name.toLowerCase();
}
