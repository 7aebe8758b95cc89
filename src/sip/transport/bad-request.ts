// Answering a request the parser rejected (RFC 3261 §8.2.6, §16.3 and RFC 4475 §3.1.2: "respond 400").
// The message could not be turned into a SipRequest, so the response is built from the raw header lines:
// it needs Via (all), From, To, Call-ID and CSeq copied verbatim (§8.2.6.2). When one of them is missing
// or unreadable, or the message is a response or an ACK (never answered, §17.1.1.3), there is nothing
// to send: the caller drops it.
import { randomBytes } from 'node:crypto';

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };

function headerBlock(buf: Buffer): string {
  // a bounded view: the parser already enforced the size limits on whatever it could read
  const max = Math.min(buf.length, 65_536);
  let end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (end === -1 || end > max) {
    const lf = buf.indexOf('\n\n', 0, 'latin1');
    end = lf === -1 || lf > max ? max : lf;
  }
  return buf.toString('latin1', 0, end);
}

/** Header lines with RFC 3261 §7.3.1 folding undone. */
function unfold(block: string): string[] {
  const lines: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] += ' ' + line.trim();
    } else {
      lines.push(line);
    }
  }
  return lines;
}

/** a value we are willing to echo: printable, no NUL or other controls except HT */
function echoable(v: string): boolean {
  if (v.length === 0 || v.length > 8192) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

export interface BadRequestReply {
  /** serialized response */
  data: Buffer;
  /** raw top Via value (first via-parm), for routing decisions */
  topVia: string;
}

/**
 * Builds `SIP/2.0 <status> <reason>` for a rejected request, or returns undefined when no response can be
 * formed. `reason` must name the fault (the parser's reason phrase, e.g. "Bad CSeq").
 */
export function buildBadRequestReply(raw: Buffer, status: number, reason: string): BadRequestReply | undefined {
  if (status < 300 || status > 699) return undefined;
  const lines = unfold(headerBlock(raw));
  const start = lines[0] ?? '';
  if (/^SIP\//i.test(start)) return undefined; // a response: never answered
  const method = /^([!-~]+)\s/.exec(start)?.[1];
  if (!method || method.toUpperCase() === 'ACK') return undefined;
  const vias: string[] = [];
  const single: Record<string, string | undefined> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    if (name === 'via') vias.push(value);
    else if ((name === 'from' || name === 'to' || name === 'call-id' || name === 'cseq') && single[name] === undefined) {
      single[name] = value;
    }
  }
  const { from, to } = single;
  const callId = single['call-id'];
  const cseq = single.cseq;
  if (vias.length === 0 || !from || !to || !callId || !cseq) return undefined;
  if (![...vias, from, to, callId, cseq].every(echoable)) return undefined;
  // §8.2.6.2: a response other than 100 carries a To tag; add one if the request had none
  const toOut = /;\s*tag\s*=/i.test(to) ? to : `${to};tag=${randomBytes(6).toString('hex')}`;
  const safeReason = reason.replace(/[\r\n]+/g, ' ').trim() || 'Bad Request';
  const text =
    `SIP/2.0 ${status} ${safeReason}\r\n` +
    vias.map((v) => `Via: ${v}\r\n`).join('') +
    `From: ${from}\r\nTo: ${toOut}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
  const firstVia = vias[0]!;
  return { data: Buffer.from(text, 'latin1'), topVia: firstVia };
}
