// The transaction layer (RFC 3261 §17): matches received messages to transactions, creates server
// transactions for new requests, runs client transactions for the TU, handles CANCEL (§9.2) and hands
// stray ACKs and responses to the core (RFC 6026 §8: 2xx and their ACKs are end-to-end, above transactions).
import { realClock, type Clock } from '../clock.ts';
import { createResponse, isSipParseError, type SipMessage, type SipRequest, type SipResponse } from '../message.ts';
import { newBranch } from './branch.ts';
import { ClientInviteTransaction } from './client-invite.ts';
import { ClientNonInviteTransaction } from './client-non-invite.ts';
import type { TxContext } from './context.ts';
import { ExpiryQueue } from './expiry.ts';
import { clientKey, clientKeyOfResponse, serverKey, toTag } from './key.ts';
import { ServerInviteTransaction } from './server-invite.ts';
import { ServerNonInviteTransaction } from './server-non-invite.ts';
import { resolveTimers, type TimerConfig } from './timers.ts';
import type {
  ClientTransaction,
  ClientTxHandlers,
  MessageSource,
  SendTarget,
  ServerTransaction,
  TransportName,
  TransportSink,
} from './types.ts';
import { formatOwnVia } from './via.ts';

export interface TransactionLayerOptions {
  sink: TransportSink;
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  /** Our sent-by per transport: lets sendRequest add the Via when the TU left it out. */
  sentBy?: (transport: TransportName) => { host: string; port: number } | undefined;
  /**
   * CANCEL without a matching INVITE server transaction: 'reply481' (UA behaviour, RFC 3261 §9.2, default)
   * or 'deliver' to onRequest (a stateless proxy forwards it).
   */
  unmatchedCancel?: 'reply481' | 'deliver';
}

export type RequestHandler = (req: SipRequest, tx: ServerTransaction) => void;
export type AckHandler = (ack: SipRequest, source: MessageSource) => void;
export type StrayResponseHandler = (res: SipResponse, source: MessageSource) => void;
/**
 * Called for a request that no existing server transaction absorbs, before one is created (and before a
 * 2xx ACK or CANCEL is matched): 'drop' discards it silently — no transaction, no response, no TU call.
 * For bans and flood limits, which must cost as little as possible and never answer an attacker.
 */
export type RequestScreen = (req: SipRequest, source: MessageSource) => 'drop' | 'accept' | undefined | void;

type AnyClientTx = ClientInviteTransaction | ClientNonInviteTransaction;
type AnyServerTx = ServerInviteTransaction | ServerNonInviteTransaction;

export interface TransactionLayerStats {
  clientTransactions: number;
  serverTransactions: number;
  /** requests/responses dropped because a mandatory header could not be read */
  dropped: number;
  /** responses matching no client transaction */
  strayResponses: number;
  /** retransmissions absorbed by a server transaction */
  absorbed: number;
  /** requests discarded by the screen hook */
  screened: number;
}

export class TransactionLayer {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  readonly #sink: TransportSink;
  readonly #sentBy: TransactionLayerOptions['sentBy'];
  readonly #unmatchedCancel: 'reply481' | 'deliver';
  readonly #client = new Map<string, AnyClientTx>();
  readonly #server = new Map<string, AnyServerTx>();
  /** wait timers that only terminate, by length (Timers D, I, J, K, L, M) */
  readonly #expiry = new Map<number, ExpiryQueue>();
  #onRequest: RequestHandler | undefined;
  #onAck: AckHandler | undefined;
  #onStray: StrayResponseHandler | undefined;
  #screen: RequestScreen | undefined;
  #dropped = 0;
  #screened = 0;
  #stray = 0;
  #absorbed = 0;
  readonly #ctx: TxContext;

  constructor(o: TransactionLayerOptions) {
    this.#sink = o.sink;
    this.clock = o.clock ?? realClock;
    this.timers = resolveTimers(o.timers);
    this.#sentBy = o.sentBy;
    this.#unmatchedCancel = o.unmatchedCancel ?? 'reply481';
    this.#ctx = {
      sink: this.#sink,
      clock: this.clock,
      timers: this.timers,
      removed: (tx) => {
        if (tx.kind === 'client') this.#client.delete(tx.id);
        else this.#server.delete(tx.id);
      },
      deliverAck: (ack, source) => this.#onAck?.(ack, source),
      sendRequest: (req, target, h) => this.sendRequest(req, target, h),
      expiry: (ms) => {
        let q = this.#expiry.get(ms);
        if (q === undefined) this.#expiry.set(ms, (q = new ExpiryQueue(ms, this.clock)));
        return q;
      },
    };
  }

  /** New requests (not ACK, not a CANCEL matching an INVITE). Exactly one handler. */
  onRequest(h: RequestHandler): void {
    this.#onRequest = h;
  }
  /** ACKs for 2xx (no matching transaction, or reaching an Accepted INVITE server transaction). */
  onAck(h: AckHandler): void {
    this.#onAck = h;
  }
  /** Responses matching no client transaction: 2xx retransmissions for dialogs, stateless proxying. */
  onStrayResponse(h: StrayResponseHandler): void {
    this.#onStray = h;
  }

  /** The pre-transaction hook (one; undefined removes it). See RequestScreen. */
  screenRequests(h: RequestScreen | undefined): void {
    this.#screen = h;
  }

  get stats(): TransactionLayerStats {
    return {
      clientTransactions: this.#client.size,
      serverTransactions: this.#server.size,
      dropped: this.#dropped,
      strayResponses: this.#stray,
      absorbed: this.#absorbed,
      screened: this.#screened,
    };
  }

  /** Entry point for the transports: every parsed message. Never throws for a malformed message. */
  receive(msg: SipMessage, source: MessageSource): void {
    try {
      if (msg.isRequest) this.#receiveRequest(msg, source);
      else this.#receiveResponse(msg, source);
    } catch (e) {
      if (isParseError(e)) {
        this.#dropped++;
        return;
      }
      throw e;
    }
  }

  /**
   * Start a client transaction (RFC 3261 §17.1). The request's top Via must carry our sent-by; a branch is
   * added when missing (and the Via too when `sentBy` is configured). ACK is not a transaction: use sendAck.
   */
  sendRequest(req: SipRequest, target: SendTarget, h: ClientTxHandlers = {}): ClientTransaction {
    if (req.method === 'ACK') throw new Error('ACK is not sent in a client transaction: use sendAck()');
    this.#ensureVia(req, target.transport);
    const branch = req.topVia.branch!;
    const id = clientKey(branch, req.method);
    if (this.#client.has(id)) throw new Error(`client transaction ${id} already exists`);
    const tx =
      req.method === 'INVITE'
        ? new ClientInviteTransaction(this.#ctx, id, req, target, h)
        : new ClientNonInviteTransaction(this.#ctx, id, req, target, h);
    this.#client.set(tx.id, tx); // the transaction's own copy of the key (own-string.ts)
    tx.start();
    return tx;
  }

  /** ACK for a 2xx (RFC 3261 §13.2.2.4: its own branch, sent by the UAC core, no transaction). */
  sendAck(ack: SipRequest, target: SendTarget): void {
    this.#ensureVia(ack, target.transport);
    this.#sink.send(ack, target);
  }

  /** Send a message outside any transaction (stateless proxying, 2xx retransmission by the UAS core). */
  sendStateless(msg: SipMessage, target: SendTarget): void {
    this.#sink.send(msg, target);
  }

  /**
   * The stack reports an asynchronous transport failure for a message it was given (connect refused, TLS
   * handshake failed, connection gone): the owning transaction terminates and tells the TU (§17.1.4, §17.2.4).
   */
  reportTransportError(msg: SipMessage, message: string): void {
    try {
      if (msg.isRequest) {
        const b = msg.topVia.branch;
        if (b !== undefined) this.#client.get(clientKey(b, msg.method))?.transportError(message);
      } else {
        // The stack hands back the response object it was given: find the transaction that sent it.
        for (const tx of this.#server.values()) if (tx.sent(msg)) tx.transportError();
      }
    } catch (e) {
      if (!isParseError(e)) throw e;
    }
  }

  /** Terminate every transaction (shutdown). No TU callbacks except onTerminated. */
  close(): void {
    for (const tx of [...this.#client.values()]) tx.terminate();
    for (const tx of [...this.#server.values()]) tx.terminate();
    for (const q of this.#expiry.values()) q.clear();
  }

  // --- receive paths --------------------------------------------------------------------------------------

  #receiveRequest(req: SipRequest, source: MessageSource): void {
    const key = serverKey(req);
    if (req.method === 'ACK') return this.#receiveAck(req, key, source);
    const existing = this.#server.get(key);
    if (existing) {
      // RFC 3261 §17.2.1, §17.2.2: retransmission → the transaction absorbs it / resends its last response.
      this.#absorbed++;
      existing.receiveRequest(req, source);
      return;
    }
    if (this.#screen !== undefined && this.#screen(req, source) === 'drop') {
      this.#screened++;
      return;
    }
    if (req.method === 'CANCEL') return this.#receiveCancel(req, key, source);
    const tx =
      req.method === 'INVITE'
        ? new ServerInviteTransaction(this.#ctx, key, req, source)
        : new ServerNonInviteTransaction(this.#ctx, key, req, source);
    this.#server.set(tx.id, tx); // the transaction's own copy of the key (own-string.ts)
    try {
      if (this.#onRequest) this.#onRequest(req, tx);
      else tx.respond(createResponse(req, 500, 'No Request Handler'));
    } finally {
      // RFC 3261 §17.2.1's 200 ms Trying timer, started only if the TU did not answer at once (most do)
      if (tx instanceof ServerInviteTransaction) tx.start();
    }
  }

  #receiveAck(ack: SipRequest, key: string, source: MessageSource): void {
    const tx = this.#server.get(key);
    if (tx instanceof ServerInviteTransaction) {
      // RFC 2543 fallback (§17.2.3): the ACK's To tag must equal the tag of the response it acknowledges.
      const matches = !key.startsWith('2543|') || toTag(ack) === (tx.lastResponse ? toTag(tx.lastResponse) : undefined);
      if (matches) {
        this.#absorbed++;
        tx.receiveRequest(ack, source);
        return;
      }
    }
    if (this.#screen !== undefined && this.#screen(ack, source) === 'drop') {
      this.#screened++;
      return;
    }
    // ACK for a 2xx: a separate transaction-less request for the dialog layer (RFC 3261 §17.2.3, RFC 6026 §8).
    this.#onAck?.(ack, source);
  }

  /** RFC 3261 §9.2: CANCEL gets its own server transaction; it matches the INVITE by the §17.2.3 rules. */
  #receiveCancel(cancel: SipRequest, key: string, source: MessageSource): void {
    const invite = this.#server.get(serverKey(cancel, 'INVITE'));
    if (!invite && this.#unmatchedCancel === 'deliver') {
      const tx = new ServerNonInviteTransaction(this.#ctx, key, cancel, source);
      this.#server.set(tx.id, tx); // the transaction's own copy of the key (own-string.ts)
      if (this.#onRequest) this.#onRequest(cancel, tx);
      return;
    }
    const tx = new ServerNonInviteTransaction(this.#ctx, key, cancel, source);
    this.#server.set(tx.id, tx); // the transaction's own copy of the key (own-string.ts)
    if (!(invite instanceof ServerInviteTransaction)) {
      tx.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    // 200 to the CANCEL whatever the INVITE's state; the To tag is the one the INVITE's responses carry.
    const tag = invite.lastResponse ? toTag(invite.lastResponse) : undefined;
    tx.respond(createResponse(cancel, 200, 'OK', tag !== undefined ? { toTag: tag } : undefined));
    invite.cancel(cancel);
  }

  #receiveResponse(res: SipResponse, source: MessageSource): void {
    const key = clientKeyOfResponse(res);
    const tx = key === undefined ? undefined : this.#client.get(key);
    if (tx) {
      tx.receiveResponse(res);
      return;
    }
    // RFC 3261 §17.1.3 no match: to the core (2xx retransmissions after Timer M, stateless proxy).
    this.#stray++;
    this.#onStray?.(res, source);
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  #ensureVia(req: SipRequest, transport: TransportName): void {
    if (!req.headers.has('via')) {
      const sb = this.#sentBy?.(transport);
      if (!sb) throw new Error('request has no Via and no sentBy is configured');
      req.headers.prepend('Via', formatOwnVia(transport, sb.host, sb.port, newBranch()));
      return;
    }
    if (req.topVia.branch === undefined) {
      // RFC 3261 §8.1.1.7: every request we originate carries a z9hG4bK branch.
      const top = req.headers.removeFirst('via')!;
      req.headers.prepend('Via', `${top};branch=${newBranch()}`);
    }
  }
}

function isParseError(e: unknown): boolean {
  return isSipParseError(e);
}
