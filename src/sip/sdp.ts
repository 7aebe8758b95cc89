// Minimal SDP model (RFC 8866): parse/serialise line-preserving, rewrite c=/m= for media anchoring, and
// filter/reorder codecs keeping the rtpmap/fmtp/rtcp-fb lines of the payload types kept.

export interface SdpMedia {
  media: string; // audio, video…
  port: number;
  portCount?: number;
  proto: string; // RTP/AVP …
  formats: string[]; // payload types (strings, as on the wire)
  lines: string[]; // every line after m= (without the trailing CRLF), in order
}

export interface Sdp {
  session: string[]; // lines before the first m=
  media: SdpMedia[];
}

/** The o= line (RFC 8866 §5.2): its session id and version change when, and only when, the description does. */
const originLine = (sdp: string): string | undefined => /^o=.*$/m.exec(sdp)?.[0]?.trimEnd();

/**
 * Does `next` describe the same session as `prev` (RFC 3264 §8: an unchanged description keeps its o= version)? By
 * the o= line, else byte for byte.
 */
export function sameSession(prev: string | undefined, next: string): boolean {
  if (prev === undefined) return false;
  const a = originLine(prev);
  const b = originLine(next);
  return a !== undefined && b !== undefined ? a === b : prev === next;
}

export function parseSdp(body: Buffer | string): Sdp {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sdp: Sdp = { session: [], media: [] };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      const parts = line.slice(2).split(' ');
      const [portSpec = '', proto = ''] = [parts[1], parts[2]];
      const slash = portSpec.indexOf('/');
      const m: SdpMedia = {
        media: parts[0] ?? '',
        port: Number(slash < 0 ? portSpec : portSpec.slice(0, slash)),
        proto,
        formats: parts.slice(3).filter((f) => f.length > 0),
        lines: [],
      };
      if (slash >= 0) m.portCount = Number(portSpec.slice(slash + 1));
      sdp.media.push(m);
    } else {
      const last = sdp.media[sdp.media.length - 1];
      if (last) last.lines.push(line);
      else sdp.session.push(line);
    }
  }
  return sdp;
}

export function formatSdp(sdp: Sdp): string {
  let out = '';
  for (const l of sdp.session) out += `${l}\r\n`;
  for (const m of sdp.media) {
    const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : `${m.port}`;
    out += `m=${m.media} ${port} ${m.proto}${m.formats.length ? ` ${m.formats.join(' ')}` : ''}\r\n`;
    for (const l of m.lines) out += `${l}\r\n`;
  }
  return out;
}

/** Rewrites every c= line (session and media level) to the given address (RFC 8866 §5.7). */
export function setConnectionAddress(sdp: Sdp, address: string): void {
  const ipv = address.includes(':') ? 'IP6' : 'IP4';
  const rewrite = (lines: string[]): void => {
    for (let i = 0; i < lines.length; i++) if (lines[i]?.startsWith('c=')) lines[i] = `c=IN ${ipv} ${address}`;
  };
  rewrite(sdp.session);
  for (const m of sdp.media) rewrite(m.lines);
}

export function setMediaPort(sdp: Sdp, index: number, port: number): void {
  const m = sdp.media[index];
  if (m) m.port = port;
}

/** rtpmap encoding name per payload type of a media section ('PCMU', 'telephone-event', …). */
export function codecNames(m: SdpMedia): Map<string, string> {
  const names = new Map<string, string>();
  for (const l of m.lines) {
    if (!l.startsWith('a=rtpmap:')) continue;
    const sp = l.indexOf(' ');
    if (sp > 0) names.set(l.slice(9, sp), l.slice(sp + 1).split('/')[0] ?? '');
  }
  // RFC 3551 static payload types when no rtpmap is given
  const STATIC: Record<string, string> = { '0': 'PCMU', '3': 'GSM', '8': 'PCMA', '9': 'G722', '18': 'G729' };
  for (const f of m.formats) if (!names.has(f) && STATIC[f]) names.set(f, STATIC[f]);
  return names;
}

/**
 * Keeps only the codecs named in `order` (case-insensitive), in that order, plus telephone-event
 * (RFC 4733) when `keepDtmf`; drops rtpmap/fmtp/rtcp-fb lines of removed payload types.
 */
export function filterCodecs(m: SdpMedia, order: string[], keepDtmf = true): void {
  const names = codecNames(m);
  const want = order.map((o) => o.toLowerCase());
  const kept = m.formats
    .filter((pt) => {
      const n = (names.get(pt) ?? '').toLowerCase();
      return want.includes(n) || (keepDtmf && n === 'telephone-event');
    })
    .sort((a, b) => rank(a) - rank(b));
  function rank(pt: string): number {
    const i = want.indexOf((names.get(pt) ?? '').toLowerCase());
    return i < 0 ? want.length : i;
  }
  const keep = new Set(kept);
  m.lines = m.lines.filter((l) => {
    const match = /^a=(rtpmap|fmtp|rtcp-fb):(\S+)/.exec(l);
    return match === null || match[2] === '*' || keep.has(match[2] ?? '');
  });
  m.formats = kept;
}
