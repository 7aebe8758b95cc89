// Test helpers for transport tests (not used by production code): a TransportHandler that records
// everything, and bounded waits (a wait that runs out fails the test; it never asserts on timing).
import type { CloseReason, ConnectionInfo, Source, TransportError, TransportHandler } from './types.ts';

/** Resolves when `pred()` holds; rejects after `ms` with `what` (a bound, not a timing assertion). */
export async function waitFor(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class Recorder implements TransportHandler {
  messages: Array<{ data: Buffer; source: Source; twin?: object }> = [];
  errors: TransportError[] = [];
  opened: ConnectionInfo[] = [];
  closed: Array<{ info: ConnectionInfo; reason: CloseReason }> = [];
  keepalives: Array<'ping' | 'pong'> = [];
  drops: string[] = [];

  onMessage(data: Buffer, source: Source, twin?: object): void {
    this.messages.push(twin === undefined ? { data, source } : { data, source, twin });
  }
  onError(err: TransportError): void {
    this.errors.push(err);
  }
  onConnectionOpen(info: ConnectionInfo): void {
    this.opened.push(info);
  }
  onConnectionClose(info: ConnectionInfo, reason: CloseReason): void {
    this.closed.push({ info, reason });
  }
  onKeepalive(kind: 'ping' | 'pong'): void {
    this.keepalives.push(kind);
  }
  onDrop(reason: string): void {
    this.drops.push(reason);
  }

  texts(): string[] {
    return this.messages.map((m) => m.data.toString('latin1'));
  }
}

/** A small, valid SIP request with the right Content-Length. */
export function sipRequest(method = 'OPTIONS', n = 1, body = ''): string {
  return (
    `${method} sip:bob@example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/TCP client.invalid;branch=z9hG4bK${n}x\r\n` +
    `From: <sip:alice@example.com>;tag=${n}\r\n` +
    `To: <sip:bob@example.com>\r\n` +
    `Call-ID: call-${n}\r\n` +
    `CSeq: ${n} ${method}\r\n` +
    `Max-Forwards: 70\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}
