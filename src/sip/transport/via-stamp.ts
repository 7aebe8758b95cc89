// Stamping the top Via of a received request (RFC 3261 §18.2.1, RFC 3581 §4) and splitting raw Via
// values. Works on the raw header text so every other parameter and the spelling of the Via survive
// byte for byte.

/** Index of the first top-level comma (outside quotes and <>), or -1. Via values are comma-folded. */
export function topLevelComma(s: string): number {
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++; // backslash escape inside quoted-string
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3c) angle++;
    else if (c === 0x3e && angle > 0) angle--;
    else if (c === 0x2c && angle === 0) return i;
  }
  return -1;
}

interface ParamSpan {
  name: string; // lower-case
  start: number; // index of the ';'
  end: number; // index after the value
  hasValue: boolean;
}

/** Scans `;name[=value]` parameters of one via-parm (value may be a token, IPv6 reference or quoted). */
function scanParams(via: string): ParamSpan[] {
  const out: ParamSpan[] = [];
  let i = via.indexOf(';');
  while (i !== -1 && i < via.length) {
    const start = i;
    i++;
    while (i < via.length && (via[i] === ' ' || via[i] === '\t')) i++;
    const nameStart = i;
    while (i < via.length && !';= \t'.includes(via[i]!)) i++;
    const name = via.slice(nameStart, i).toLowerCase();
    while (i < via.length && (via[i] === ' ' || via[i] === '\t')) i++;
    let hasValue = false;
    if (via[i] === '=') {
      hasValue = true;
      i++;
      while (i < via.length && (via[i] === ' ' || via[i] === '\t')) i++;
      if (via[i] === '"') {
        i++;
        while (i < via.length && via[i] !== '"') i += via[i] === '\\' ? 2 : 1;
        i++;
      } else {
        while (i < via.length && via[i] !== ';') i++;
      }
    }
    // trailing whitespace belongs to this parameter
    const end = Math.min(i, via.length);
    out.push({ name, start, end, hasValue });
    i = via.indexOf(';', end);
  }
  return out;
}

/** `[::1]` / `::1` / `host` → bare host, lower-case, no brackets */
function bareHost(h: string): string {
  const t = h.trim().toLowerCase();
  return t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
}

/** sent-by host of a raw via-parm: `SIP/2.0/UDP host[:port];...` */
export function viaSentByHost(via: string): string | undefined {
  const semi = via.indexOf(';');
  const head = (semi === -1 ? via : via.slice(0, semi)).trim();
  const m = /^SIP\s*\/\s*[^/\s]+\s*\/\s*[A-Za-z0-9-]+\s+(\[[^\]]*\]|[^:\s]+)/i.exec(head);
  return m ? bareHost(m[1]!) : undefined;
}

/**
 * RFC 3261 §18.2.1: add `received` when the sent-by host differs from the packet's source address.
 * RFC 3581 §4: when `rport` is present without a value, fill in the source port, and then always add
 * `received`. An existing `received` is replaced (a previous hop's value is not ours to trust).
 * Returns the stamped via-parm (only the top one: pass the first value of a comma-folded Via).
 */
export function stampVia(via: string, sourceIp: string, sourcePort: number): string {
  const params = scanParams(via);
  const rport = params.find((p) => p.name === 'rport');
  const received = params.find((p) => p.name === 'received');
  const host = viaSentByHost(via);
  const needReceived = rport !== undefined || host === undefined || host !== bareHost(sourceIp);
  // rebuild from the end so earlier indices stay valid
  const edits: Array<{ start: number; end: number; text: string }> = [];
  if (rport && !rport.hasValue) edits.push({ start: rport.start, end: rport.end, text: `;rport=${sourcePort}` });
  if (received) edits.push({ start: received.start, end: received.end, text: needReceived ? `;received=${sourceIp}` : '' });
  let out = via;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  if (needReceived && !received) out = `${out.trimEnd()};received=${sourceIp}`;
  return out;
}
