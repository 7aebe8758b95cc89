// MediaEngine backed by rtpengine daemons over the ng protocol (production media: NAT, transcoding,
// SRTP/DTLS, recording). Each interface call maps to one ng command on the call's instance of the
// chosen relay set. Codec policy is computed here (so `no_common_codec` is known before rtpengine
// allocates anything) and handed to rtpengine as `codec.strip`.
import { formatSdp, parseSdp } from '../../sip/sdp.ts';
import { activeCodecs, enforceCodecPolicy } from '../codec-policy.ts';
import type { Sdp } from '../../sip/sdp.ts';
import {
  mediaError,
  type AnswerRequest,
  type CallStats,
  type DeleteRequest,
  type EngineHealth,
  type LegOptions,
  type LegStats,
  type MediaEngine,
  type MediaError,
  type MediaResult,
  type OfferRequest,
} from '../engine.ts';
import { asNumber, asString, isDict, type BInput, type BValue } from './bencode.ts';
import { RelaySet, type Relay, type RelayAddress, type RelaySetOptions } from './relay-set.ts';
import type { NgReply } from './ng-client.ts';
import { InactivityWatch, type InactivityOptions } from './inactivity.ts';

export const DEFAULT_RELAY_SET = 'default';

export interface RtpengineEngineOptions extends RelaySetOptions, InactivityOptions {
  /** Relay sets by name; `default` is used when legOptions name none. */
  relaySets: Record<string, readonly RelayAddress[]>;
}

export class RtpengineMediaEngine implements MediaEngine {
  readonly kind = 'rtpengine';
  readonly capabilities = { transcoding: true };
  private sets = new Map<string, RelaySet>();
  /** Relay set of each call created here, so later commands need no legOptions. */
  private readonly callSet = new Map<string, string>();
  /** Calls whose offer asked rtpengine to transcode: their answer is checked against the answerer only. */
  private readonly transcoding = new Set<string>();
  /** Media inactivity: calls queried periodically, released and reported when no packet moved. */
  private readonly watch: InactivityWatch;

  constructor(private readonly opts: RtpengineEngineOptions) {
    this.setRelaySets(opts.relaySets);
    this.watch = new InactivityWatch(opts, {
      query: (callId) => this.query(callId),
      release: async (callId) => {
        await this.delete({ callId });
      },
    });
  }

  /** Replaces the relay sets (configuration change); calls in progress keep an instance still listed. */
  setRelaySets(sets: Record<string, readonly RelayAddress[]>): void {
    const old = this.sets;
    this.sets = new Map(Object.entries(sets).map(([name, addrs]) => [name, new RelaySet(addrs, this.opts)]));
    for (const [name, set] of this.sets) {
      const previous = old.get(name);
      if (previous) set.adopt(previous);
    }
    // Old clients are closed after in-flight commands had time to finish.
    const t = setTimeout(() => old.forEach((s) => s.close()), 10_000);
    t.unref();
  }

  async offer(req: OfferRequest): Promise<MediaResult<{ sdp: string }>> {
    const sdp = parseSdp(req.sdp);
    const plan = planCodecs(sdp, req.legOptions, 'offer');
    if (!plan.ok) return plan;
    if (plan.codec?.['transcode']) this.transcoding.add(req.callId);
    const setName = req.legOptions?.relaySet ?? this.callSet.get(req.callId) ?? DEFAULT_RELAY_SET;
    const relay = this.pick(setName, req.callId, true);
    if (!relay) return mediaError('no_engine', `no rtpengine of relay set '${setName}' is up`);
    this.callSet.set(req.callId, setName);
    const r = await this.command(relay, {
      command: 'offer',
      'call-id': req.callId,
      'from-tag': req.fromTag,
      sdp: formatSdp(sdp),
      ...FLAGS,
      codec: plan.codec,
    });
    const out = sdpReply(r);
    if (out.ok) this.watch.signalled(req.callId);
    return out;
  }

  async answer(req: AnswerRequest): Promise<MediaResult<{ sdp: string }>> {
    const sdp = parseSdp(req.sdp);
    const plan = planCodecs(sdp, req.legOptions, this.transcoding.has(req.callId) ? 'transcoded-answer' : 'answer');
    if (!plan.ok) return plan;
    const relay = this.pick(this.callSet.get(req.callId) ?? req.legOptions?.relaySet ?? DEFAULT_RELAY_SET, req.callId, false);
    if (!relay) return mediaError('no_engine', 'no rtpengine configured');
    const r = await this.command(relay, {
      command: 'answer',
      'call-id': req.callId,
      'from-tag': req.fromTag,
      'to-tag': req.toTag,
      sdp: formatSdp(sdp),
      ...FLAGS,
      codec: plan.codec,
    });
    const out = sdpReply(r);
    if (out.ok) this.watch.signalled(req.callId);
    return out;
  }

  async delete(req: DeleteRequest): Promise<MediaResult<{}>> {
    const setName = this.callSet.get(req.callId) ?? DEFAULT_RELAY_SET;
    const set = this.sets.get(setName);
    const relay = set?.pick(req.callId, false);
    if (!set || !relay) return mediaError('no_engine', 'no rtpengine configured');
    const r = await this.command(relay, { command: 'delete', 'call-id': req.callId, 'from-tag': req.fromTag });
    if (!r.ok) return mediaError(r.code, r.message);
    set.release(req.callId);
    this.watch.forget(req.callId);
    this.callSet.delete(req.callId);
    this.transcoding.delete(req.callId);
    // rtpengine answers an unknown call with result ok plus a warning
    const warning = asString(r.reply['warning']);
    if (warning && /not found/i.test(warning)) return mediaError('unknown_call', warning);
    return { ok: true };
  }

  async query(callId: string): Promise<MediaResult<{ stats: CallStats }>> {
    const relay = this.pick(this.callSet.get(callId) ?? DEFAULT_RELAY_SET, callId, false);
    if (!relay) return mediaError('no_engine', 'no rtpengine configured');
    const r = await this.command(relay, { command: 'query', 'call-id': callId });
    if (!r.ok) return mediaError(/unknown call/i.test(r.message) ? 'unknown_call' : r.code, r.message);
    return { ok: true, stats: { callId, legs: legStats(r.reply['tags']) } };
  }

  async ping(): Promise<EngineHealth> {
    const detail: string[] = [];
    let ok = false;
    const all = [...this.sets.entries()].flatMap(([name, set]) => set.relays.map((relay) => ({ name, relay })));
    await Promise.all(
      all.map(async ({ name, relay }) => {
        const r = await this.command(relay, { command: 'ping' });
        const up = r.ok && asString(r.reply['result']) === 'pong';
        relay.up = up;
        ok ||= up;
        detail.push(`${name} ${relay.address.host}:${relay.address.port} ${up ? 'up' : `down (${r.ok ? 'no pong' : r.message})`}`);
      }),
    );
    return { ok, detail: detail.sort() };
  }

  async close(): Promise<void> {
    this.watch.close();
    for (const s of this.sets.values()) s.close();
    this.sets.clear();
    this.callSet.clear();
    this.transcoding.clear();
  }

  private pick(setName: string, callId: string, isNew: boolean): Relay | undefined {
    return this.sets.get(setName)?.pick(callId, isNew);
  }

  private async command(relay: Relay, cmd: Record<string, BInput | undefined>): Promise<NgReply> {
    const r = await relay.client.request(cmd);
    // A timeout marks the instance down for new calls; any answer (even an error) proves it alive.
    relay.up = r.ok || r.code !== 'engine_timeout';
    return r;
  }
}

/**
 * ng flags for plain SIP phones and trunks (interop README §4):
 * - replace origin + session-connection: o= and c= carry rtpengine's address, not the phone's.
 * - ICE remove: SIP phones behind the platform do no ICE with rtpengine's candidates.
 * - no trust-address / SIP-source-address: rtpengine ≥ 6 honours the SDP address and learns the real
 *   source from the first packet (symmetric RTP), which is what NATed phones need.
 */
const FLAGS = { replace: ['origin', 'session-connection'], ICE: 'remove' } as const;

type CodecPlan = { ok: true; codec: Record<string, BInput> | undefined } | MediaError;

/**
 * Applies the codec policy to `sdp` (mutated) and builds rtpengine's `codec` dictionary:
 * - strip: codecs removed by the policy (already gone from the SDP rtpengine sees; listed so it keeps
 *   them out of both directions);
 * - with transcoding (offer): only the offerer's list filters the SDP; codecs the answerer may not use
 *   are masked (hidden from it, still accepted from the offerer) and the transcode codecs it may use
 *   are added, so rtpengine converts between them;
 * - the answer of a transcoded call is checked against the answerer's list only.
 */
function planCodecs(sdp: Sdp, leg: LegOptions | undefined, phase: 'offer' | 'answer' | 'transcoded-answer'): CodecPlan {
  const fromAllowed = leg?.from?.allowedCodecs;
  const toAllowed = leg?.to?.allowedCodecs;
  const transcode = phase === 'offer' ? (leg?.from?.transcode ?? []) : [];
  if (transcode.length === 0) {
    const lists = phase === 'transcoded-answer' ? [fromAllowed] : [fromAllowed, toAllowed];
    const policy = enforceCodecPolicy(sdp, lists);
    if (!policy.ok) return policy;
    const strip = policy.stripped.filter((c) => !c.startsWith('pt'));
    return { ok: true, codec: strip.length > 0 ? { strip } : undefined };
  }
  const policy = enforceCodecPolicy(sdp, [fromAllowed]);
  if (!policy.ok) return policy;
  const remaining = activeCodecs(sdp);
  const toSet = toAllowed ? new Set(toAllowed.map((c) => c.toLowerCase())) : undefined;
  const mask = toSet ? remaining.filter((c) => !toSet.has(c)) : [];
  const added = transcode.map((c) => c.toLowerCase()).filter((c) => !remaining.includes(c) && (!toSet || toSet.has(c)));
  if (remaining.length - mask.length + added.length === 0) {
    return mediaError('no_common_codec', 'no codec allowed on both sides, even with transcoding');
  }
  const codec: Record<string, BInput> = { transcode: added };
  const strip = policy.stripped.filter((c) => !c.startsWith('pt'));
  if (strip.length > 0) codec['strip'] = strip;
  if (mask.length > 0) codec['mask'] = mask;
  return { ok: true, codec };
}

function sdpReply(r: NgReply): MediaResult<{ sdp: string }> {
  if (!r.ok) return mediaError(r.code, r.message);
  const sdp = asString(r.reply['sdp']);
  if (sdp === undefined) return mediaError('engine_error', 'rtpengine reply without sdp');
  return { ok: true, sdp };
}

/** rtpengine query: per tag, medias[].streams[].stats count packets received from that party. */
function legStats(tags: BValue | undefined): LegStats[] {
  const out: LegStats[] = [];
  if (!isDict(tags)) return out;
  for (const [tag, info] of Object.entries(tags)) {
    if (!isDict(info)) continue;
    const leg: LegStats = { tag, packetsIn: 0, bytesIn: 0, packetsOut: -1, bytesOut: -1 };
    for (const media of list(info['medias'])) {
      for (const stream of list(isDict(media) ? media['streams'] : undefined)) {
        if (!isDict(stream)) continue;
        const stats = stream['stats'];
        if (isDict(stats)) {
          leg.packetsIn += asNumber(stats['packets']) ?? 0;
          leg.bytesIn += asNumber(stats['bytes']) ?? 0;
        }
        const ep = stream['endpoint'];
        const flags = list(stream['flags']).map(asString);
        if (leg.remote === undefined && isDict(ep) && flags.includes('RTP')) {
          leg.remote = `${asString(ep['address'])}:${asNumber(ep['port'])}`;
        }
      }
    }
    out.push(leg);
  }
  return out;
}

function list(v: BValue | undefined): BValue[] {
  return Array.isArray(v) ? v : [];
}
