// RTP packet parse/serialise (RFC 3550 §5.1). Parsing returns views into the received buffer (no
// copies); malformed packets are coded values, like the SIP parser's errors.

export const RTP_HEADER_SIZE = 12;

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  /** RFC 3550 §5.3.1 header extension, when the X bit is set. */
  extension?: { profile: number; data: Buffer };
  /** View into the packet, padding excluded. */
  payload: Buffer;
  /** Number of padding octets (RFC 3550 §5.1 P bit), 0 when none. */
  padding: number;
}

export type RtpErrorCode = 'RTP_ERR_TOO_SHORT' | 'RTP_ERR_VERSION' | 'RTP_ERR_BAD_PADDING' | 'RTP_ERR_BAD_EXTENSION';

export type RtpParseResult = { ok: true; packet: RtpPacket } | { ok: false; code: RtpErrorCode };

export function parseRtp(buf: Buffer): RtpParseResult {
  if (buf.length < RTP_HEADER_SIZE) return { ok: false, code: 'RTP_ERR_TOO_SHORT' };
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  if (b0 >> 6 !== 2) return { ok: false, code: 'RTP_ERR_VERSION' };
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + cc * 4;
  if (buf.length < offset) return { ok: false, code: 'RTP_ERR_TOO_SHORT' };
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++) csrc.push(buf.readUInt32BE(RTP_HEADER_SIZE + i * 4));
  let extension: RtpPacket['extension'];
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return { ok: false, code: 'RTP_ERR_BAD_EXTENSION' };
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (buf.length < end) return { ok: false, code: 'RTP_ERR_BAD_EXTENSION' };
    extension = { profile, data: buf.subarray(offset + 4, end) };
    offset = end;
  }
  let padding = 0;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    padding = buf[buf.length - 1] ?? 0;
    if (padding === 0 || offset + padding > buf.length) return { ok: false, code: 'RTP_ERR_BAD_PADDING' };
  }
  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    payload: buf.subarray(offset, buf.length - padding),
    padding,
  };
  if (extension) packet.extension = extension;
  return { ok: true, packet };
}

export type RtpPacketInit = Partial<RtpPacket> & { payloadType: number; payload: Uint8Array };

/** Serialises a packet into a new buffer (padding octets are zero, the last one the count). */
export function serializeRtp(p: RtpPacketInit): Buffer {
  const csrc = p.csrc ?? [];
  if (csrc.length > 15) throw new RangeError('at most 15 CSRC identifiers (RFC 3550 §5.1)');
  const ext = p.extension;
  if (ext && ext.data.length % 4 !== 0) throw new RangeError('header extension length must be a multiple of 4 octets');
  const padding = p.padding ?? 0;
  const headerLen = RTP_HEADER_SIZE + csrc.length * 4 + (ext ? 4 + ext.data.length : 0);
  const buf = Buffer.alloc(headerLen + p.payload.length + padding);
  writeRtpHeader(buf, p.payloadType, p.sequence ?? 0, p.timestamp ?? 0, p.ssrc ?? 0, p.marker ?? false);
  // writeRtpHeader writes a plain first octet: set P, X and CC
  buf[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  let o = RTP_HEADER_SIZE;
  for (const c of csrc) {
    buf.writeUInt32BE(c >>> 0, o);
    o += 4;
  }
  if (ext) {
    buf.writeUInt16BE(ext.profile, o);
    buf.writeUInt16BE(ext.data.length / 4, o + 2);
    buf.set(ext.data, o + 4);
    o += 4 + ext.data.length;
  }
  buf.set(p.payload, o);
  if (padding > 0) buf[buf.length - 1] = padding;
  return buf;
}

/**
 * Writes a plain 12-octet header (no CSRC, extension or padding) into `buf` in place: senders reuse one
 * buffer per stream and only rewrite header and payload.
 */
export function writeRtpHeader(
  buf: Buffer,
  payloadType: number,
  sequence: number,
  timestamp: number,
  ssrc: number,
  marker = false,
): void {
  buf[0] = 0x80;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf.writeUInt16BE(sequence & 0xffff, 2);
  buf.writeUInt32BE(timestamp >>> 0, 4);
  buf.writeUInt32BE(ssrc >>> 0, 8);
}

/** RFC 4733 §2.3 telephone-event payload. */
export interface TelephoneEvent {
  event: number; // 0-9 digits, 10 '*', 11 '#', 12-15 A-D
  end: boolean;
  volume: number; // dBm0 below 0, 0-63
  duration: number; // in timestamp units
}

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  const b1 = payload[1] ?? 0;
  return { event: payload[0] ?? 0, end: (b1 & 0x80) !== 0, volume: b1 & 0x3f, duration: payload.readUInt16BE(2) };
}

export function serializeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = e.event;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(e.duration & 0xffff, 2);
  return b;
}

/** RTCP packet types are 200-204 (RFC 3550 §12.1); RFC 5761 §4 uses this to demultiplex on one port. */
export function isRtcp(buf: Buffer): boolean {
  const pt = buf[1] ?? 0;
  return buf.length >= 8 && pt >= 192 && pt <= 223;
}
