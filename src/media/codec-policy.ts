// Codec policy: terminals' allowed codecs are enforced in SDP. Each allowed list (the sender's and
// the receiver's) is intersected with the codecs of every m= section; telephone-event (RFC 4733) is
// kept as long as a real codec remains. The offerer's preference order is kept (RFC 3264 §5.1: the
// order of formats is the offerer's preference).
import { codecNames, filterCodecs, type Sdp } from '../sip/sdp.ts';
import { mediaError, type MediaError } from './engine.ts';

const DTMF = 'telephone-event';

export interface PolicyOutcome {
  ok: true;
  /** Encoding names removed from the SDP (lower case, without duplicates): rtpengine's `codec.strip`. */
  stripped: string[];
}

/**
 * Applies allowed-codec lists to every active m= section of `sdp` (mutated). A section left with no
 * real codec is disabled (port 0, RFC 3264 §6); when no section keeps a codec: `no_common_codec`.
 */
export function enforceCodecPolicy(
  sdp: Sdp,
  allowed: ReadonlyArray<readonly string[] | undefined>,
): PolicyOutcome | MediaError {
  const lists = allowed.filter((l): l is readonly string[] => l !== undefined).map((l) => new Set(l.map(lower)));
  const stripped = new Set<string>();
  let usable = 0;
  let active = 0;
  for (const m of sdp.media) {
    if (m.port === 0) continue;
    active++;
    const names = codecNames(m);
    const keep: string[] = [];
    for (const pt of m.formats) {
      const name = lower(names.get(pt) ?? '');
      if (name === DTMF) continue;
      if (name !== '' && lists.every((l) => l.has(name))) {
        if (!keep.includes(name)) keep.push(name);
      } else stripped.add(name === '' ? `pt${pt}` : name);
    }
    if (keep.length === 0) {
      // RFC 3264 §6: a rejected stream keeps its m= line with port 0 and any format.
      m.port = 0;
      continue;
    }
    usable++;
    if (lists.length > 0) filterCodecs(m, keep, true);
  }
  if (active === 0) return mediaError('bad_sdp', 'SDP has no active media section');
  if (usable === 0) return mediaError('no_common_codec', 'no codec allowed on both sides');
  return { ok: true, stripped: [...stripped] };
}

/** Encoding names (lower case) of the active sections of an SDP, telephone-event excluded. */
export function activeCodecs(sdp: Sdp): string[] {
  const out: string[] = [];
  for (const m of sdp.media) {
    if (m.port === 0) continue;
    const names = codecNames(m);
    for (const pt of m.formats) {
      const n = lower(names.get(pt) ?? '');
      if (n !== '' && n !== DTMF && !out.includes(n)) out.push(n);
    }
  }
  return out;
}

function lower(s: string): string {
  return s.toLowerCase();
}
