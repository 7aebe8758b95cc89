// DNS host names (RFC 1123 §2.1 relaxes RFC 952: labels may start with a digit). Used for SIP domains.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * True when `s` is a fully qualified-looking host name: 1–253 chars, labels of 1–63 letters/digits/hyphens not
 * starting or ending with a hyphen, at least two labels, and a top-level label that is not all digits (so an IPv4
 * address is not mistaken for a name). A trailing dot is not accepted: SIP domains are stored without it.
 */
export function isDomainName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}
