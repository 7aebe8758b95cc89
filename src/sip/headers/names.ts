// Header-name normalisation: case-insensitive names and compact forms map to one canonical key
// (the lower-case long form). RFC 3261 §7.3.1 (names are case-insensitive), §7.3.3 (compact forms).

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

/** Canonical key of a header name: lower-case long form. */
export function headerKey(name: string): string {
  if (name.length === 1) {
    const lower = name.toLowerCase();
    return COMPACT[lower] ?? lower;
  }
  return name.toLowerCase();
}

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
