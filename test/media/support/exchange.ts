// Scenarios shared by the builtin and rtpengine tests: the same two-phone calls through any engine.
import assert from 'node:assert/strict';
import type { MediaEngine, LegOptions } from '../../../src/media/engine.ts';
import { dominantFrequency } from '../../../src/media/dsp.ts';
import { RtpPhone, audioTarget, waitFor, type Target } from './phone.ts';

export interface Call {
  callId: string;
  alice: RtpPhone;
  bob: RtpPhone;
  /** Where alice sends (from the answer) and where bob sends (from the offer). */
  toEngineFromAlice: Target;
  toEngineFromBob: Target;
  offerSdp: string;
  answerSdp: string;
  close(): void;
}

let seq = 0;

/** Alice offers, bob answers, both through `engine`. */
export async function setUpCall(
  engine: MediaEngine,
  opts: { offerLeg?: LegOptions; answerLeg?: LegOptions; aliceCodecs?: ReadonlyArray<[number, string]>; bobCodecs?: ReadonlyArray<[number, string]> } = {},
): Promise<Call> {
  const alice = await RtpPhone.open();
  const bob = await RtpPhone.open();
  const callId = `call-${process.pid}-${++seq}@test`;
  const close = (): void => {
    alice.close();
    bob.close();
  };
  try {
    const offer = await engine.offer({
      callId,
      fromTag: 'alice-tag',
      sdp: alice.sdp(opts.aliceCodecs, 'alice'),
      ...(opts.offerLeg && { legOptions: opts.offerLeg }),
    });
    assert.ok(offer.ok, `offer: ${!offer.ok && offer.message}`);
    const answer = await engine.answer({
      callId,
      fromTag: 'alice-tag',
      toTag: 'bob-tag',
      sdp: bob.sdp(opts.bobCodecs ?? [[0, 'PCMU/8000'], [101, 'telephone-event/8000']], 'bob'),
      ...(opts.answerLeg && { legOptions: opts.answerLeg }),
    });
    assert.ok(answer.ok, `answer: ${!answer.ok && answer.message}`);
    return {
      callId,
      alice,
      bob,
      toEngineFromAlice: audioTarget(answer.sdp),
      toEngineFromBob: audioTarget(offer.sdp),
      offerSdp: offer.sdp,
      answerSdp: answer.sdp,
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * Alice sends a 440 Hz PCMU tone, bob a 660 Hz one, at the same time; each side's decoded audio must
 * show the other's frequency (the building block of the baresip audio check).
 */
export async function exchangeTones(call: Call, packets = 50): Promise<void> {
  await Promise.all([
    call.alice.sendTone(call.toEngineFromAlice, 440, packets),
    call.bob.sendTone(call.toEngineFromBob, 660, packets),
  ]);
  // at least 90 % arrive (a transcoder may drop its first packet)
  const enough = Math.floor(packets * 0.9);
  assert.ok(await waitFor(() => call.alice.received.length >= enough && call.bob.received.length >= enough));
  const atBob = dominantFrequency(call.bob.decodedAudio(), [440, 660]);
  const atAlice = dominantFrequency(call.alice.decodedAudio(), [440, 660]);
  assert.equal(atBob.frequency, 440, 'bob hears alice');
  assert.equal(atAlice.frequency, 660, 'alice hears bob');
  assert.ok(atBob.ratio > 100 && atAlice.ratio > 100, `ratios ${atBob.ratio} ${atAlice.ratio}`);
}
