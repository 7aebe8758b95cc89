// MEDIA configuration: `builtin` (the embedded default) or
// `rtpengine:HOST:PORT[@METRIC][,HOST:PORT[@METRIC]…]` — one relay set of rtpengine ng sockets, each
// with an optional metric (share of new calls, default 1). IPv6 hosts go in brackets: `[::1]:2223`.
import { isIP } from 'node:net';
import { BuiltinMediaEngine, type BuiltinEngineOptions } from './builtin/engine.ts';
import type { MediaEngine } from './engine.ts';
import { BuiltinEngineThread } from './builtin/thread.ts';
import { DEFAULT_RELAY_SET, RtpengineMediaEngine } from './rtpengine/engine.ts';
import type { RelayAddress, RelaySetOptions } from './rtpengine/relay-set.ts';
import type { InactivityOptions } from './rtpengine/inactivity.ts';

export type MediaSpec = { kind: 'builtin' } | { kind: 'rtpengine'; relays: RelayAddress[] };

export type MediaSpecResult = { ok: true; value: MediaSpec } | { ok: false; code: 'bad_media_spec'; message: string };

const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/;

export function parseMediaSpec(raw: string): MediaSpecResult {
  const v = raw.trim();
  if (v === 'builtin') return { ok: true, value: { kind: 'builtin' } };
  const bad = (why: string): MediaSpecResult => ({
    ok: false,
    code: 'bad_media_spec',
    message: `"${raw}": ${why} (expected builtin or rtpengine:HOST:PORT[@METRIC][,…])`,
  });
  if (!v.startsWith('rtpengine:')) return bad('unknown engine');
  const relays: RelayAddress[] = [];
  for (const item of v.slice('rtpengine:'.length).split(',')) {
    const m = /^(.+):(\d{1,5})(?:@(\d{1,6}))?$/.exec(item.trim());
    if (!m) return bad(`"${item}" is not HOST:PORT[@METRIC]`);
    const hostText = m[1] ?? '';
    const port = Number(m[2]);
    const metric = m[3] === undefined ? 1 : Number(m[3]);
    if (!HOST.test(hostText)) return bad(`bad host "${hostText}"`);
    const host = hostText.startsWith('[') ? hostText.slice(1, -1) : hostText;
    if (hostText.startsWith('[') && isIP(host) !== 6) return bad(`bad IPv6 address "${host}"`);
    if (port < 1 || port > 65535) return bad(`bad port ${port}`);
    if (metric < 1) return bad('metric must be at least 1');
    if (relays.some((r) => r.host === host && r.port === port)) return bad(`${host}:${port} listed twice`);
    relays.push({ host, port, metric });
  }
  return { ok: true, value: { kind: 'rtpengine', relays } };
}

export interface EngineFactoryOptions {
  builtin?: BuiltinEngineOptions;
  /** builtin: run the relay on a thread of its own (builtin/thread.ts), off the caller's (signalling) thread */
  builtinThread?: boolean;
  rtpengine?: RelaySetOptions & InactivityOptions & { relaySets?: Record<string, readonly RelayAddress[]> };
}

/** The composition root's one call: the engine the MEDIA setting names. */
export function createMediaEngine(spec: MediaSpec, opts: EngineFactoryOptions = {}): MediaEngine {
  if (spec.kind === 'builtin') return opts.builtinThread === true ? new BuiltinEngineThread(opts.builtin) : new BuiltinMediaEngine(opts.builtin);
  return new RtpengineMediaEngine({
    ...opts.rtpengine,
    relaySets: { ...opts.rtpengine?.relaySets, [DEFAULT_RELAY_SET]: spec.relays },
  });
}
