// Normalises the stream framer's output (src/sip/framing.ts, RFC 3261 §18.3 Content-Length framing and
// RFC 5626 keep-alives) into one tagged union, so the connection code switches on `kind` only.
import { FramingError, StreamFramer } from '../framing.ts';

export type FramerItem =
  | { kind: 'message'; data: Buffer }
  | { kind: 'ping' }
  | { kind: 'pong' }
  | { kind: 'error'; reason: string };

export interface Framer {
  push(chunk: Buffer): FramerItem[];
}

export function createFramer(maxMessageBytes: number): Framer {
  const f = new StreamFramer({ maxMessageBytes });
  return {
    push(chunk) {
      const out: FramerItem[] = [];
      for (const item of f.push(chunk)) {
        if (Buffer.isBuffer(item)) out.push({ kind: 'message', data: item });
        else if (item instanceof FramingError) out.push({ kind: 'error', reason: item.code });
        else out.push({ kind: item.keepalive });
      }
      return out;
    },
  };
}
