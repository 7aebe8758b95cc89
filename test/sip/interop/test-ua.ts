// A tiny UAS and UAC built directly on the stack, for SIPp interop: just enough dialog handling for
// INVITE/180/200/ACK/BYE (RFC 3261 §12-§15), with the UAS core's 2xx retransmission (§13.3.1.4) and the
// UAC core's ACK for every 2xx (§13.2.2.4). The project's real UA lives in src/sip/ua.
import { randomBytes } from 'node:crypto';
import { createRequest, createResponse, formatUri, type SipRequest, type SipResponse } from '../../../src/sip/message.ts';
import type { SipStack } from '../../../src/sip/stack.ts';
import type { SendTarget, ServerTransaction, TransportName } from '../../../src/sip/transaction/types.ts';

const T1 = 500;
const T2 = 4000;

const sdp = (host: string) =>
  `v=0\r\no=sy 1 1 IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

function contactFor(stack: SipStack, transport: TransportName, user: string): string {
  const sb = stack.sentBy(transport)!;
  const t = transport === 'UDP' ? '' : `;transport=${transport.toLowerCase()}`;
  return `<sip:${user}@${sb.host}:${sb.port}${t}>`;
}

export interface UasStats {
  invites: number;
  acks: number;
  byes: number;
  /** 2xx retransmissions sent by the UAS core while waiting for the ACK */
  okRetransmissions: number;
}

/**
 * Answers every INVITE with 180 then 200 (SDP), waits for the ACK (retransmitting the 200 over UDP),
 * answers BYE with 200 after `byeDelayMs` (0 = at once), and OPTIONS with 200.
 */
export function startTestUas(stack: SipStack, opts: { ringMs?: number; byeDelayMs?: number } = {}): UasStats {
  const stats: UasStats = { invites: 0, acks: 0, byes: 0, okRetransmissions: 0 };
  const waitingAck = new Map<string, () => void>(); // Call-ID → stop retransmitting
  stack.onRequest((req: SipRequest, tx: ServerTransaction) => {
    switch (req.method) {
      case 'INVITE': {
        stats.invites++;
        const tag = randomBytes(4).toString('hex');
        const transport = tx.source.transport;
        tx.respond(createResponse(req, 180, 'Ringing', { toTag: tag, headers: [['Contact', contactFor(stack, transport, 'uas')]] }));
        setTimeout(() => {
          const ok = createResponse(req, 200, 'OK', {
            toTag: tag,
            headers: [
              ['Contact', contactFor(stack, transport, 'uas')],
              ['Content-Type', 'application/sdp'],
            ],
            body: sdp(stack.sentBy(transport)!.host),
          });
          tx.respond(ok);
          if (transport !== 'UDP') return;
          // RFC 3261 §13.3.1.4: the UAS core retransmits the 2xx (T1, doubling to T2) until the ACK arrives
          let interval = T1;
          let timer: ReturnType<typeof setTimeout>;
          const started = Date.now();
          const again = () => {
            if (Date.now() - started >= 64 * T1) return void waitingAck.delete(req.callId);
            stats.okRetransmissions++;
            if (tx.state === 'accepted') tx.respond(ok);
            else stack.sendStateless(ok, { transport, host: tx.source.host, port: tx.source.port });
            interval = Math.min(interval * 2, T2);
            timer = setTimeout(again, interval);
          };
          timer = setTimeout(again, interval);
          waitingAck.set(req.callId, () => clearTimeout(timer));
        }, opts.ringMs ?? 20);
        break;
      }
      case 'BYE': {
        stats.byes++;
        const reply = () => tx.respond(createResponse(req, 200, 'OK'));
        if (opts.byeDelayMs) setTimeout(reply, opts.byeDelayMs);
        else reply();
        break;
      }
      default:
        tx.respond(createResponse(req, req.method === 'OPTIONS' ? 200 : 501, req.method === 'OPTIONS' ? 'OK' : 'Not Implemented'));
    }
  });
  stack.onAck((ack: SipRequest) => {
    stats.acks++;
    const stop = waitingAck.get(ack.callId);
    if (stop) {
      stop();
      waitingAck.delete(ack.callId);
    }
  });
  return stats;
}

export interface UacResult {
  ok: boolean;
  reason?: string;
  /** every 2xx to the INVITE seen (retransmissions included) */
  oks: number;
}

/** One call: INVITE → (1xx) → 200 → ACK → hold → BYE → 200. Resolves when the BYE is answered or fails. */
export function uacCall(
  stack: SipStack,
  target: SendTarget,
  opts: { holdMs?: number; user?: string; limitMs?: number } = {},
): Promise<UacResult> {
  const t = target.transport;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const ruri = `sip:${opts.user ?? 'service'}@${host}:${target.port}${t === 'UDP' ? '' : `;transport=${t.toLowerCase()}`}`;
  const callId = `${randomBytes(8).toString('hex')}@switchyard.test`;
  const fromTag = randomBytes(4).toString('hex');
  const from = `<sip:uac@switchyard.test>;tag=${fromTag}`;
  return new Promise((resolve) => {
    let oks = 0;
    let finished = false;
    let ack: SipRequest | undefined;
    const limit = setTimeout(() => finish(false, 'call did not finish'), opts.limitMs ?? 20_000);
    const finish = (ok: boolean, reason?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(limit);
      resolve(reason === undefined ? { ok, oks } : { ok, reason, oks });
    };
    const invite = createRequest({
      method: 'INVITE',
      uri: ruri,
      headers: [
        ['From', from],
        ['To', `<${ruri}>`],
        ['Call-ID', callId],
        ['CSeq', '1 INVITE'],
        ['Contact', contactFor(stack, t, 'uac')],
        ['Max-Forwards', '70'],
        ['Content-Type', 'application/sdp'],
      ],
      body: sdp(stack.sentBy(t)!.host),
    });
    stack.sendRequest(invite, target, {
      onResponse: (res: SipResponse) => {
        if (res.status < 200) return;
        if (res.status >= 300) return finish(false, `INVITE got ${res.status}`);
        oks++;
        if (!ack) {
          // RFC 3261 §13.2.2.4: ACK to the Contact of the 2xx, To with its tag, CSeq number of the INVITE
          const contact = res.contacts()[0];
          ack = createRequest({
            method: 'ACK',
            uri: contact ? formatUri(contact.uri) : ruri,
            headers: [
              ['From', from],
              ['To', res.headers.get('To')!],
              ['Call-ID', callId],
              ['CSeq', '1 ACK'],
              ['Max-Forwards', '70'],
            ],
          });
          stack.sendAck(ack, target);
          setTimeout(() => bye(res), opts.holdMs ?? 50);
        } else {
          // a retransmitted 2xx: our ACK was lost, send it again (same ACK)
          stack.sendStateless(ack, target);
        }
      },
      onTimeout: () => finish(false, 'INVITE timed out'),
      onTransportError: (e) => finish(false, `INVITE transport error: ${e.message}`),
    });
    const bye = (ok: SipResponse) => {
      const contact = ok.contacts()[0];
      const req = createRequest({
        method: 'BYE',
        uri: contact ? formatUri(contact.uri) : ruri,
        headers: [
          ['From', from],
          ['To', ok.headers.get('To')!],
          ['Call-ID', callId],
          ['CSeq', '2 BYE'],
          ['Max-Forwards', '70'],
        ],
      });
      stack.sendRequest(req, target, {
        onResponse: (res) => {
          if (res.status >= 200) finish(res.status < 300, res.status < 300 ? undefined : `BYE got ${res.status}`);
        },
        onTimeout: () => finish(false, 'BYE timed out'),
        onTransportError: (e) => finish(false, `BYE transport error: ${e.message}`),
      });
    };
  });
}
