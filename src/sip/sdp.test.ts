import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterCodecs, formatSdp, parseSdp, setConnectionAddress, setMediaPort } from './sdp.ts';

const OFFER = [
  'v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
  'm=audio 4000 RTP/AVP 0 8 9 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv',
  'm=video 0 RTP/AVP 96', 'c=IN IP4 10.0.0.2', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 profile-level-id=42e01f',
  '',
].join('\r\n');

test('SDP parse/serialise round trip is exact', () => {
  const s = parseSdp(OFFER);
  assert.equal(s.media.length, 2);
  assert.deepEqual(s.media[0]?.formats, ['0', '8', '9', '101']);
  assert.equal(formatSdp(s), OFFER);
});

test('rewrite c= address and m= port', () => {
  const s = parseSdp(OFFER);
  setConnectionAddress(s, '192.0.2.9');
  setMediaPort(s, 0, 30000);
  const out = formatSdp(s);
  assert.match(out, /\r\nc=IN IP4 192\.0\.2\.9\r\n/);
  assert.ok(!out.includes('10.0.0.2'));
  assert.match(out, /m=audio 30000 RTP\/AVP 0 8 9 101\r\n/);
  setConnectionAddress(s, '2001:db8::5');
  assert.match(formatSdp(s), /c=IN IP6 2001:db8::5/);
});

test('filter and reorder codecs keeping rtpmap/fmtp of kept payloads and telephone-event', () => {
  const s = parseSdp(OFFER);
  const audio = s.media[0];
  assert.ok(audio);
  filterCodecs(audio, ['PCMA', 'pcmu']);
  assert.deepEqual(audio.formats, ['8', '0', '101']);
  const out = formatSdp(s);
  assert.match(out, /m=audio 4000 RTP\/AVP 8 0 101\r\n/);
  assert.ok(!out.includes('G722'));
  assert.match(out, /a=fmtp:101 0-16/);
  assert.match(out, /a=ptime:20/);
  filterCodecs(audio, ['PCMU'], false);
  assert.deepEqual(audio.formats, ['0']);
  assert.ok(!formatSdp(s).includes('telephone-event'));
});
