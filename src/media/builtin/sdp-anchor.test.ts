import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSdp, parseSdp } from '../../sip/sdp.ts';
import { anchorSdp, mediaTarget } from './sdp-anchor.ts';

const SDP = [
  'v=0', 'o=alice 7 9 IN IP4 192.168.1.20', 's=-', 'c=IN IP4 192.168.1.20', 't=0 0', 'a=ice-lite',
  'm=audio 7078 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
  'a=rtcp:7090 IN IP4 192.168.1.21', 'a=ice-ufrag:abcd', 'a=ice-pwd:secretsecretsecret',
  'a=candidate:1 1 UDP 2130706431 192.168.1.20 7078 typ host', 'a=sendrecv',
  'm=video 9078 RTP/AVP 96', 'c=IN IP4 192.168.1.30', 'a=rtpmap:96 H264/90000', 'a=rtcp-mux',
  'm=audio 0 RTP/AVP 8',
  '',
].join('\r\n');

test('reads where a party receives each stream (RFC 3605 a=rtcp, RFC 5761 rtcp-mux, media-level c=)', () => {
  const sdp = parseSdp(SDP);
  assert.deepEqual(mediaTarget(sdp, 0), { address: '192.168.1.20', port: 7078, rtcpAddress: '192.168.1.21', rtcpPort: 7090 });
  assert.deepEqual(mediaTarget(sdp, 1), { address: '192.168.1.30', port: 9078, rtcpAddress: '192.168.1.30', rtcpPort: 9078 });
  assert.equal(mediaTarget(sdp, 2)?.port, 0);
  assert.equal(mediaTarget(sdp, 3), undefined);
});

test('anchoring rewrites o=, c=, m= ports and drops ICE / rtcp attributes', () => {
  const sdp = parseSdp(SDP);
  anchorSdp(sdp, '203.0.113.5', [13000, 13004, 13008]);
  const out = formatSdp(sdp);
  assert.ok(out.includes('o=alice 7 9 IN IP4 203.0.113.5\r\n'));
  assert.ok(!out.includes('192.168.1.'));
  assert.match(out, /m=audio 13000 RTP\/AVP 0 101\r\n/);
  assert.match(out, /m=video 13004 RTP\/AVP 96\r\n/);
  assert.match(out, /m=audio 0 RTP\/AVP 8\r\n/, 'disabled stream stays disabled');
  assert.ok(!/a=(ice|candidate|rtcp)/.test(out), out);
  assert.ok(out.includes('a=sendrecv'));
  assert.ok(out.includes('a=rtpmap:101 telephone-event/8000'));
});
