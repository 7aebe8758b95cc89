// IP address and CIDR validation (pure). Used for authorized sources, proxy addresses and ACLs.
// Accepts the textual forms of RFC 4291 §2.2 (IPv6, including the IPv4-embedded form) and dotted-quad IPv4
// without leading zeros (leading zeros are ambiguous: some stacks read them as octal).

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** True when `s` is a dotted-quad IPv4 address such as `192.0.2.10`. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p));
}

/** True when `s` is an IPv6 address in any RFC 4291 §2.2 text form (no zone index, no brackets). */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let text = s;
  let groupsNeeded = 8;
  // RFC 4291 §2.2 form 3: the last 32 bits may be written as dotted-quad IPv4.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    text = text.slice(0, lastColon + 1) + '0';
    groupsNeeded = 7;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const group = /^[0-9a-fA-F]{1,4}$/;
  const parse = (h: string): string[] | null => {
    if (h === '') return [];
    const gs = h.split(':');
    return gs.every((g) => group.test(g)) ? gs : null;
  };
  const head = parse(halves[0] ?? '');
  if (head === null) return false;
  if (halves.length === 1) return head.length === groupsNeeded;
  const rest = parse(halves[1] ?? '');
  if (rest === null) return false;
  // '::' stands for at least one group of zeros.
  return head.length + rest.length <= groupsNeeded - 1;
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

export interface Cidr {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
}

/**
 * Parses `addr/prefix` (or a bare address, taken as a host route /32 or /128).
 * Returns null when malformed. Host bits set below the prefix are accepted as written
 * (`192.0.2.10/24`), since operators commonly paste an interface address.
 */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const address = slash < 0 ? s : s.slice(0, slash);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { family, address, prefix: max };
  const p = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
  const prefix = Number(p);
  if (prefix > max) return null;
  return { family, address, prefix };
}

/** True for an IP address or an IP network in CIDR notation. */
export function isIPOrCidr(s: string): boolean {
  return parseCidr(s) !== null;
}
