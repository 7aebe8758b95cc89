// Shapes shared by the transaction layer (RFC 3261 §17) and whoever plugs transports into it (the stack).
import type { SipMessage, SipRequest, SipResponse } from '../message.ts';

export type TransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

/** Where to send a message. For reliable transports `connectionId` selects a live connection (RFC 3261 §18.2.2). */
export interface SendTarget {
  transport: TransportName;
  host: string;
  port: number;
  connectionId?: string;
}

/** Where a received message came from (filled by the transport). */
export interface MessageSource {
  transport: TransportName;
  host: string;
  port: number;
  connectionId?: string;
  /** from a stack of this process over a lossless in-process hop: run the transaction as on a reliable transport */
  inProcess?: true;
}

/** Implemented by sip-transport's stack; the transaction layer never touches sockets. */
export interface TransportSink {
  /**
   * Serialise and send. May return the bytes it sent: a transaction that reached a final state keeps those
   * instead of the parsed message (it re-parses them only if asked for the message again).
   */
  send(msg: SipMessage, target: SendTarget): Buffer | void;
  /** TCP/TLS/WS/WSS: true. Decides whether retransmission timers run (RFC 3261 §17.1.1.2). */
  reliable(transport: string): boolean;
  /**
   * True when messages to `target` stay in this process over a lossless hop that reports what it cannot deliver as
   * a send error (UDP between the roles of one process): transactions run as on a reliable transport.
   */
  inProcess?(target: SendTarget): boolean;
}

export type ClientTxState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type ServerTxState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type TransportErrorInfo = { code: 'SIP_ERR_TRANSPORT'; message: string };

export interface ClientTxHandlers {
  /** Every response the TU must see: provisional, final, and (INVITE, RFC 6026 Accepted) every 2xx. */
  onResponse?(res: SipResponse, tx: ClientTransaction): void;
  /** Timer B / F fired (RFC 3261 §17.1.1.2, §17.1.2.2). When absent, onResponse gets a local 408. */
  onTimeout?(tx: ClientTransaction): void;
  onTransportError?(err: TransportErrorInfo, tx: ClientTransaction): void;
  onTerminated?(tx: ClientTransaction): void;
}

/** The public face of a client transaction (INVITE or non-INVITE). */
export interface ClientTransaction {
  readonly id: string;
  readonly kind: 'client';
  readonly method: string;
  readonly branch: string;
  readonly request: SipRequest;
  readonly target: SendTarget;
  readonly state: ClientTxState;
  /** RFC 3261 §9.1: send CANCEL for this INVITE (deferred until a provisional response arrives). */
  cancel(extraHeaders?: Array<[string, string]>): void;
  /** Stop retransmitting and forget the transaction (no callbacks). */
  terminate(): void;
}

export interface ServerTransaction {
  readonly id: string;
  readonly kind: 'server';
  readonly method: string;
  readonly branch: string;
  readonly request: SipRequest;
  readonly source: MessageSource;
  readonly state: ServerTxState;
  readonly lastResponse: SipResponse | undefined;
  /** Hand a response to the transaction (RFC 3261 §17.2). Throws when the transaction cannot send it (a bug). */
  respond(res: SipResponse): void;
  /**
   * A final response given statelessly (RFC 3261 §8.2.7): sent, and the transaction ends at once instead of waiting
   * in Completed for 64*T1. A retransmission of the request is then a new request, answered again. For answers
   * that are as good given twice, such as a digest challenge (a fresh nonce each time). INVITE, provisional
   * responses and reliable transports: the same as `respond` (an INVITE's non-2xx must absorb its ACK, §17.2.1).
   */
  respondStateless(res: SipResponse): void;
  /** INVITE only: called when a matching CANCEL arrives (the layer already answered it 200). */
  onCancel(cb: (cancel: SipRequest) => void): void;
  /** Timer H fired without an ACK, or the transport failed (RFC 3261 §17.2.1, §17.2.4). */
  onFailure(cb: (reason: 'timeout' | 'transport') => void): void;
  onTerminated(cb: () => void): void;
  /**
   * The TU is done with this transaction (its call ended): drop every callback it registered. The transaction
   * still absorbs retransmissions until its wait timer ends, but no longer keeps the TU's objects alive for it
   * (64*T1 = 32 s for Timers J and L: at hundreds of calls per second, whole ended calls held in memory).
   */
  forgetCallbacks(): void;
  readonly cancelled: boolean;
}
