// SDP rewriting for the builtin relay: read where a party wants its media, and rewrite the SDP so the
// other party sends to the engine instead (c=, o=, m= port). Attributes the relay cannot honour are
// removed: ICE (RFC 8839) candidates, rtcp-mux (RFC 5761: RTCP is relayed on its own port) and a=rtcp
// (RFC 3605: the engine's RTCP port is always RTP port + 1).
import { setConnectionAddress, type Sdp } from '../../sip/sdp.ts';

export interface MediaTarget {
  address: string;
  port: number; // 0: stream disabled
  rtcpAddress: string;
  rtcpPort: number;
}

/** Where the party of `sdp` receives stream `index` (media-level c= overrides session-level). */
export function mediaTarget(sdp: Sdp, index: number): MediaTarget | undefined {
  const m = sdp.media[index];
  if (!m) return undefined;
  const address = connection(m.lines) ?? connection(sdp.session);
  if (address === undefined) return undefined;
  let rtcpAddress = address;
  let rtcpPort = m.port === 0 ? 0 : m.port + 1;
  for (const l of m.lines) {
    // RFC 3605 §2.1: a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
    const r = /^a=rtcp:(\d+)(?: IN IP[46] (\S+))?/.exec(l);
    if (r) {
      rtcpPort = Number(r[1]);
      if (r[2]) rtcpAddress = r[2];
    }
  }
  // RFC 5761: with rtcp-mux RTCP shares the RTP port.
  if (m.lines.includes('a=rtcp-mux')) rtcpPort = m.port;
  return { address, port: m.port, rtcpAddress, rtcpPort };
}

function connection(lines: readonly string[]): string | undefined {
  for (const l of lines) {
    const c = /^c=IN IP[46] ([^\s/]+)/.exec(l);
    if (c) return c[1];
  }
  return undefined;
}

const DROPPED_ATTRIBUTES = /^a=(candidate|ice-ufrag|ice-pwd|ice-options|ice-lite|ice-mismatch|end-of-candidates|remote-candidates|rtcp|rtcp-mux)(:|$)/;

/**
 * Points `sdp` (mutated) at the engine: every c= and the o= address become `address`, active m=
 * lines get `ports[i]` (a stream with port 0 stays disabled).
 */
export function anchorSdp(sdp: Sdp, address: string, ports: ReadonlyArray<number | undefined>): void {
  setConnectionAddress(sdp, address);
  const ipv = address.includes(':') ? 'IP6' : 'IP4';
  sdp.session = sdp.session
    .filter((l) => !DROPPED_ATTRIBUTES.test(l))
    .map((l) => {
      if (!l.startsWith('o=')) return l;
      // RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
      const f = l.slice(2).split(' ');
      return f.length === 6 ? `o=${f.slice(0, 3).join(' ')} IN ${ipv} ${address}` : l;
    });
  sdp.media.forEach((m, i) => {
    m.lines = m.lines.filter((l) => !DROPPED_ATTRIBUTES.test(l));
    const port = ports[i];
    if (m.port !== 0 && port !== undefined) m.port = port;
  });
}
