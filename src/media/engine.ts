// The one MediaEngine interface the B2BUA uses to anchor the media of every call. Shaped after
// rtpengine's ng commands (offer / answer / delete / query / ping) so that both the builtin relay and
// the rtpengine driver fit it without adapters. Expected failures are values with a code.

/** Per-side media policy, given by the B2BUA from the terminal's / trunk's configuration. */
export interface SideOptions {
  /**
   * Codecs this side may use, by encoding name ('PCMU', 'PCMA', 'G722', 'opus', …), case-insensitive.
   * Absent: anything. telephone-event (RFC 4733) is always kept.
   */
  allowedCodecs?: readonly string[];
  /**
   * Codecs to add by transcoding towards the other side (the client's "Audio transcoding" setting).
   * Only engines with `capabilities.transcoding` honour it; the others answer `transcoding_unsupported`.
   */
  transcode?: readonly string[];
}

export interface LegOptions {
  /** The side that sent this SDP (offer: the offerer; answer: the answerer). */
  from?: SideOptions;
  /** The side that receives the rewritten SDP. */
  to?: SideOptions;
  /** Relay set (rtpengine driver) chosen for this call; ignored by the builtin engine. */
  relaySet?: string;
}

export interface OfferRequest {
  callId: string;
  /** Tag of the offerer (From tag of the request carrying the offer). */
  fromTag: string;
  sdp: string;
  legOptions?: LegOptions;
}

export interface AnswerRequest {
  callId: string;
  /** Tag of the offerer, as in the matching offer. */
  fromTag: string;
  /** Tag of the answerer (To tag of the response carrying the answer). */
  toTag: string;
  sdp: string;
  legOptions?: LegOptions;
}

export interface DeleteRequest {
  callId: string;
  fromTag?: string;
}

/** Counters of one call party, as seen by the engine. */
export interface LegStats {
  tag: string;
  /** RTP+RTCP packets/bytes received from this party. */
  packetsIn: number;
  bytesIn: number;
  /** Packets/bytes the engine sent to this party (builtin only; rtpengine reports -1 when unknown). */
  packetsOut: number;
  bytesOut: number;
  /** Address the engine currently sends to (latched or from the SDP), when known. */
  remote?: string;
}

export interface CallStats {
  callId: string;
  legs: LegStats[];
}

export type MediaErrorCode =
  | 'no_common_codec' // nothing but telephone-event left after the codec policy: the B2BUA answers 488
  | 'bad_sdp' // unparsable SDP or no usable m= line
  | 'ports_exhausted' // the port range has no free pair left
  | 'unknown_call' // answer/delete/query for a call the engine does not know
  | 'transcoding_unsupported'
  | 'engine_timeout' // no reply from the media engine after retries
  | 'engine_error' // the media engine answered with an error
  | 'no_engine'; // every relay of the set is down

export interface MediaError {
  ok: false;
  code: MediaErrorCode;
  message: string;
}

export type MediaResult<T> = ({ ok: true } & T) | MediaError;

export function mediaError(code: MediaErrorCode, message: string): MediaError {
  return { ok: false, code, message };
}

export interface EngineHealth {
  ok: boolean;
  /** One line per instance, e.g. '127.0.0.1:2223 up' or 'builtin 12 calls, 48 ports'. */
  detail: string[];
}

export interface MediaEngine {
  readonly kind: 'builtin' | 'rtpengine';
  readonly capabilities: { transcoding: boolean };
  /** Offer SDP from the offerer → SDP to send to the answerer, with the engine's address and ports. */
  offer(req: OfferRequest): Promise<MediaResult<{ sdp: string }>>;
  /** Answer SDP from the answerer → SDP to send back to the offerer. */
  answer(req: AnswerRequest): Promise<MediaResult<{ sdp: string }>>;
  /** Releases the call (every port). Deleting an unknown call answers `unknown_call`. */
  delete(req: DeleteRequest): Promise<MediaResult<{}>>;
  query(callId: string): Promise<MediaResult<{ stats: CallStats }>>;
  ping(): Promise<EngineHealth>;
  /** Releases everything the engine holds (sockets, timers). */
  close(): Promise<void>;
  /**
   * Resolves if the engine stops working for good without `close()` (the builtin engine's thread died). Absent
   * for engines that cannot: a remote rtpengine that goes away is retried and reported per request.
   */
  readonly failed?: Promise<Error>;
}
