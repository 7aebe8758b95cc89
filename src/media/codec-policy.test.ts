import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSdp, parseSdp } from '../sip/sdp.ts';
import { activeCodecs, enforceCodecPolicy } from './codec-policy.ts';

const OFFER = [
  'v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
  'm=audio 4000 RTP/AVP 9 0 8 101', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv',
  '',
].join('\r\n');

const VIDEO = OFFER + ['m=video 4002 RTP/AVP 96', 'a=rtpmap:96 H264/90000', ''].join('\r\n');

test('no lists: the SDP is untouched', () => {
  const sdp = parseSdp(OFFER);
  const r = enforceCodecPolicy(sdp, [undefined, undefined]);
  assert.ok(r.ok);
  assert.equal(formatSdp(sdp), OFFER);
});

test("allowed codecs of both sides are enforced, offerer's order kept, telephone-event kept", () => {
  const sdp = parseSdp(OFFER);
  const r = enforceCodecPolicy(sdp, [['pcma', 'PCMU'], ['PCMU', 'PCMA', 'opus']]);
  assert.ok(r.ok);
  assert.deepEqual(r.stripped, ['g722']);
  const out = formatSdp(sdp);
  assert.match(out, /m=audio 4000 RTP\/AVP 0 8 101\r\n/);
  assert.ok(!out.includes('G722'));
  assert.match(out, /a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-16/);
  assert.deepEqual(activeCodecs(sdp), ['pcmu', 'pcma']);
});

test('intersection of the two sides can leave one codec', () => {
  const sdp = parseSdp(OFFER);
  const r = enforceCodecPolicy(sdp, [['PCMU', 'PCMA'], ['PCMA']]);
  assert.ok(r.ok);
  assert.deepEqual(parseSdp(formatSdp(sdp)).media[0]?.formats, ['8', '101']);
});

test('nothing but telephone-event left: no_common_codec (→ 488)', () => {
  const sdp = parseSdp(OFFER);
  const r = enforceCodecPolicy(sdp, [['G729'], undefined]);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, 'no_common_codec');
  const r2 = enforceCodecPolicy(parseSdp(OFFER), [['PCMU'], ['PCMA']]);
  assert.ok(!r2.ok && r2.code === 'no_common_codec');
});

test('a section without an allowed codec is disabled (port 0), the call goes on with audio', () => {
  const sdp = parseSdp(VIDEO);
  const r = enforceCodecPolicy(sdp, [['PCMU']]);
  assert.ok(r.ok);
  assert.equal(sdp.media[1]?.port, 0);
  assert.deepEqual(sdp.media[1]?.formats, ['96']);
  assert.deepEqual(sdp.media[0]?.formats, ['0', '101']);
});

test('static payload types without rtpmap are named (RFC 3551)', () => {
  const sdp = parseSdp(['v=0', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 0 8 18', ''].join('\r\n'));
  const r = enforceCodecPolicy(sdp, [['g729', 'pcma']]);
  assert.ok(r.ok);
  assert.deepEqual(sdp.media[0]?.formats, ['8', '18']);
  assert.deepEqual(r.stripped, ['pcmu']);
});

test('an SDP without active media is bad_sdp', () => {
  const r = enforceCodecPolicy(parseSdp(['v=0', 'm=audio 0 RTP/AVP 0', ''].join('\r\n')), []);
  assert.ok(!r.ok && r.code === 'bad_sdp');
});
