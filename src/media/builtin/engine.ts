// The builtin media engine (embedded default): a userspace RTP/RTCP relay that anchors every call on
// its own ports, latches to each party's real source (NAT), and passes G.711 and telephone-event
// through unchanged. No transcoding: codec lists are intersected so both parties share one codec.
import { formatSdp, parseSdp } from '../../sip/sdp.ts';
import { activeCodecs, enforceCodecPolicy } from '../codec-policy.ts';
import {
  mediaError,
  type AnswerRequest,
  type CallStats,
  type DeleteRequest,
  type EngineHealth,
  type MediaEngine,
  type MediaResult,
  type OfferRequest,
} from '../engine.ts';
import { MediaCall, type Side } from './media-call.ts';
import { PortPool } from './port-pool.ts';
import { anchorSdp } from './sdp-anchor.ts';

export interface BuiltinEngineOptions {
  /** Local address the relay sockets bind to (default 127.0.0.1; 0.0.0.0 for every interface). */
  bindAddress?: string;
  /** Address written into SDP (default: bindAddress; required when binding 0.0.0.0). */
  advertisedAddress?: string;
  /** Port range, both ends included (spec default 13000–19000). */
  portMin?: number;
  portMax?: number;
  /** A call with no packet and no signalling for this long is released (ms, default 60 s). */
  inactivityTimeoutMs?: number;
  /** Told after a call was released for inactivity, so the B2BUA can hang it up. */
  onTimeout?: (callId: string) => void;
  /** Reuse of released port pairs (port-pool.ts): quiet time before reuse and how long they stay bound (ms). */
  portReuse?: { quarantineMs?: number; keepIdleMs?: number };
  now?: () => number;
}

/** The option checks of the constructor, also run where the engine is started on a thread (thread.ts). */
export function checkBuiltinOptions(opts: BuiltinEngineOptions): void {
  const bind = opts.bindAddress ?? '127.0.0.1';
  if (opts.advertisedAddress === undefined && (bind === '0.0.0.0' || bind === '::')) {
    throw new RangeError('advertisedAddress is required when binding every interface');
  }
}

export class BuiltinMediaEngine implements MediaEngine {
  readonly kind = 'builtin';
  readonly capabilities = { transcoding: false };
  readonly pool: PortPool;
  private readonly calls = new Map<string, MediaCall>();
  private readonly advertised: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: BuiltinEngineOptions = {}) {
    checkBuiltinOptions(opts);
    const bind = opts.bindAddress ?? '127.0.0.1';
    this.advertised = opts.advertisedAddress ?? bind;
    this.now = opts.now ?? Date.now;
    this.pool = new PortPool(bind, opts.portMin ?? 13000, opts.portMax ?? 19000, { ...opts.portReuse, now: () => this.now() });
    this.timeoutMs = opts.inactivityTimeoutMs ?? 60_000;
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.min(5000, this.timeoutMs / 4)));
    this.sweeper.unref();
  }

  get callCount(): number {
    return this.calls.size;
  }

  async offer(req: OfferRequest): Promise<MediaResult<{ sdp: string }>> {
    if (req.legOptions?.from?.transcode?.length) {
      return mediaError('transcoding_unsupported', 'the builtin engine relays without transcoding');
    }
    const sdp = parseSdp(req.sdp);
    if (sdp.media.length === 0) return mediaError('bad_sdp', 'offer without m= line');
    const policy = enforceCodecPolicy(sdp, [req.legOptions?.from?.allowedCodecs, req.legOptions?.to?.allowedCodecs]);
    if (!policy.ok) return policy;
    let call = this.calls.get(req.callId);
    let side: Side = 0;
    const isNew = call === undefined;
    if (!call) {
      call = new MediaCall(req.callId, req.fromTag, this.now());
      this.calls.set(req.callId, call);
    } else {
      const s = call.sideOf(req.fromTag);
      if (s === undefined) return mediaError('unknown_call', `tag ${req.fromTag} is not a party of call ${req.callId}`);
      side = s;
    }
    if (!(await call.ensureStreams(sdp.media.length, this.pool))) {
      if (isNew) this.release(call);
      return mediaError('ports_exhausted', `no free port pair in ${this.pool.first}-${this.pool.first + 2 * this.pool.pairs - 1}`);
    }
    if (this.calls.get(req.callId) !== call) {
      // deleted while ports were being bound
      call.release(this.pool);
      return mediaError('unknown_call', `call ${req.callId} was deleted`);
    }
    call.setRemotes(side, sdp);
    call.offerer = side;
    call.offeredCodecs = activeCodecs(sdp);
    call.lastActivity = this.now();
    anchorSdp(sdp, this.advertised, call.portsFacing(other(side)));
    return { ok: true, sdp: formatSdp(sdp) };
  }

  async answer(req: AnswerRequest): Promise<MediaResult<{ sdp: string }>> {
    const call = this.calls.get(req.callId);
    if (!call) return mediaError('unknown_call', `no call ${req.callId}`);
    const offerer = call.sideOf(req.fromTag);
    if (offerer === undefined || offerer !== call.offerer) {
      return mediaError('unknown_call', `tag ${req.fromTag} made no offer in call ${req.callId}`);
    }
    const answerer = other(offerer);
    const known = call.tags[answerer];
    // A different to-tag on side 1 is another fork answering (183 from one, 200 from another): it wins.
    if (known !== req.toTag) {
      if (answerer === 0) return mediaError('unknown_call', `tag ${req.toTag} is not a party of call ${req.callId}`);
      call.tags[1] = req.toTag;
    }
    const sdp = parseSdp(req.sdp);
    if (sdp.media.length === 0 || sdp.media.length > call.streamCount) {
      return mediaError('bad_sdp', 'answer m= lines do not match the offer (RFC 3264 §6)');
    }
    const policy = enforceCodecPolicy(sdp, [
      req.legOptions?.from?.allowedCodecs,
      req.legOptions?.to?.allowedCodecs,
      call.offeredCodecs,
    ]);
    if (!policy.ok) return policy;
    call.setRemotes(answerer, sdp);
    call.lastActivity = this.now();
    anchorSdp(sdp, this.advertised, call.portsFacing(offerer));
    return { ok: true, sdp: formatSdp(sdp) };
  }

  async delete(req: DeleteRequest): Promise<MediaResult<{}>> {
    const call = this.calls.get(req.callId);
    if (!call) return mediaError('unknown_call', `no call ${req.callId}`);
    if (req.fromTag !== undefined && call.sideOf(req.fromTag) === undefined) {
      return mediaError('unknown_call', `tag ${req.fromTag} is not a party of call ${req.callId}`);
    }
    this.release(call);
    return { ok: true };
  }

  async query(callId: string): Promise<MediaResult<{ stats: CallStats }>> {
    const call = this.calls.get(callId);
    if (!call) return mediaError('unknown_call', `no call ${callId}`);
    return { ok: true, stats: { callId, legs: call.stats() } };
  }

  async ping(): Promise<EngineHealth> {
    const ports = this.pool.inUse * 2;
    return {
      ok: true,
      detail: [`builtin ${this.calls.size} calls, ${ports} of ${this.pool.pairs * 2} ports in use`],
    };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const call of [...this.calls.values()]) this.release(call);
    this.pool.close();
  }

  /** Releases calls without packets or signalling for longer than the inactivity timeout. */
  sweep(): void {
    this.pool.trim();
    const now = this.now();
    for (const call of [...this.calls.values()]) {
      const total = call.packetTotal();
      if (total !== call.lastPacketTotal) {
        call.lastPacketTotal = total;
        call.lastActivity = now;
      } else if (now - call.lastActivity > this.timeoutMs) {
        this.release(call);
        this.opts.onTimeout?.(call.callId);
      }
    }
  }

  private release(call: MediaCall): void {
    call.release(this.pool);
    if (this.calls.get(call.callId) === call) this.calls.delete(call.callId);
  }
}

function other(side: Side): Side {
  return side === 0 ? 1 : 0;
}
