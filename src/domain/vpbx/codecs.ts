// Codec catalogue for terminals' allowed codecs (seed-part2 §1.3). Order matters: it is the SDP offer preference.
// telephone-event (RFC 4733 DTMF) is always offered and therefore not a choice.

export const CODECS = ['PCMU', 'PCMA', 'G722', 'GSM', 'opus'] as const;
export type Codec = (typeof CODECS)[number];

/** Default for new terminals: G.711 µ-law and A-law, which every device and the builtin media engine speak. */
export const DEFAULT_CODECS: readonly Codec[] = ['PCMU', 'PCMA'];

export function isCodec(s: string): s is Codec {
  return (CODECS as readonly string[]).includes(s);
}
