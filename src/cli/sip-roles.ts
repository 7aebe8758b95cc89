// Wiring of the SIP roles for `switchyard start`: the users edge (public listeners + internal listener for app
// nodes) and the application server (B2BUA on its internal listener) with the configured media engine, the
// in-memory SIP directory and the call recorder. In the embedded start both roles run in this process and talk
// real SIP to each other's 127.0.0.1 listeners, so a cluster runs the same code (calls contract); the datagrams
// of that hop are handed over inside the process without the kernel (src/sip/transport/udp.ts).
import type { Config } from '../config/load.ts';
import type { Store } from '../store/db.ts';
import { Directory } from '../store/directory/index.ts';
import type { ListenSpec } from '../sip/stack.ts';
import { createMediaEngine } from '../media/config.ts';
import type { MediaEngine } from '../media/engine.ts';
import { UsersEdge } from '../edge/users/index.ts';
import { createAppServer, type AppServer } from '../app/server.ts';
import { CallRecorder } from '../app/calls/recorder.ts';
import { RedisCallCounter } from '../app/calls/counter.ts';
import { openRuntimeRedis, type RuntimeRedis } from '../store/runtime/redis.ts';
import { RedisLocation } from '../edge/users/location-redis.ts';
import type { Output } from './context.ts';
import { edgeTlsForStart } from './edge-tls.ts';
import type { TlsSettings } from '../sip/transport/tls-settings.ts';

export interface SipRoles {
  directory: Directory | null;
  edge: UsersEdge | null;
  app: AppServer | null;
  media: MediaEngine | null;
  /**
   * Resolves when a part can no longer run and the process should stop: today a users edge whose NODE_NAME another
   * process took over while it ran (src/edge/users/location-redis.ts).
   */
  death: Promise<Error>;
  /** One line per listener, for the start banner. */
  banner: string[];
  stop(): Promise<void>;
}

const isLoopback = (ip: string): boolean => ip.startsWith('127.') || ip === '::1';

/**
 * The users edge's public listeners from config: UDP+TCP on the users port, WS on its port, and TLS + WSS on theirs
 * when `tls` is given (issue 6: 5060 UDP/TCP, 5061 TLS, 10080 WS, 10081 WSS by default).
 */
export function edgeListeners(config: Config, tls: TlsSettings | null = null): ListenSpec[] {
  const bind = isLoopback(config.publicIp) ? config.publicIp : '0.0.0.0';
  const advertise = bind === '0.0.0.0' ? { advertise: { host: config.publicIp } } : {};
  const u = config.sip.users;
  return [
    { transport: 'udp', host: bind, port: u.udp, ...advertise },
    { transport: 'tcp', host: bind, port: u.tcp, ...advertise },
    ...(tls ? [{ transport: 'tls' as const, host: bind, port: u.tls, tls, ...advertise }] : []),
    { transport: 'ws', host: bind, port: u.ws, ...advertise },
    ...(tls ? [{ transport: 'wss' as const, host: bind, port: u.wss, tls, ...advertise }] : []),
  ];
}

export async function startSipRoles(config: Config, store: Store, out: Output): Promise<SipRoles> {
  const wantEdge = config.roles.includes('edge');
  const wantApp = config.roles.includes('app');
  let died: (err: Error) => void = () => undefined;
  const death = new Promise<Error>((resolve) => {
    died = resolve;
  });
  const roles: SipRoles = { directory: null, edge: null, app: null, media: null, death, banner: [], stop: async () => undefined };
  if (!wantEdge && !wantApp) return roles;
  const onError = (err: unknown) => out.error(`sip: ${(err as Error)?.message ?? String(err)}`);
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(onError);
  };
  try {
    const directory = await Directory.open(store.db, {
      ...(config.databaseUrl ? { listenUrl: config.databaseUrl } : {}),
      onError,
    });
    roles.directory = directory;
    stoppers.push(() => directory.close());

    // REDIS_URL: registrations and per-user call counts are shared by every node (docs/operators/edge.md "Cluster").
    let redis: RuntimeRedis | null = null;
    if (config.redisUrl) {
      const r = await openRuntimeRedis(config.redisUrl, { onError });
      if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
      redis = r.redis;
      const shared = redis;
      stoppers.push(() => shared.close());
      roles.banner.push(`  runtime state      Redis (node ${config.nodeName})`);
    }
    const mediaTimeoutMs = config.mediaTimeoutSeconds * 1000;

    let app: AppServer | null = null;
    if (wantApp) {
      // The builtin engine binds where phones can reach it: PUBLIC_IP (or every interface when that is not loopback).
      const bind = isLoopback(config.publicIp) ? config.publicIp : '0.0.0.0';
      let appRef: AppServer | null = null;
      const media = createMediaEngine(
        config.media.kind === 'builtin' ? { kind: 'builtin' } : { kind: 'rtpengine', relays: config.media.relays },
        {
          builtin: {
            bindAddress: bind,
            advertisedAddress: config.publicIp,
            portMin: config.rtpPorts.min,
            portMax: config.rtpPorts.max,
            inactivityTimeoutMs: mediaTimeoutMs,
            onTimeout: (callId) => appRef?.mediaTimeout(callId),
          },
          rtpengine: { inactivityTimeoutMs: mediaTimeoutMs, onTimeout: (callId) => appRef?.mediaTimeout(callId) },
          // the relay's packets never reach the signalling thread (src/media/builtin/thread.ts)
          builtinThread: true,
        },
      );
      roles.media = media;
      stoppers.push(() => media.close());
      void media.failed?.then((err) => {
        out.error(`media: ${err.message}`);
        died(err);
      });
      const health = await media.ping();
      if (!health.ok) out.error(`media: ${config.media.kind} not answering (${health.detail.join('; ')}): calls will fail with 503`);
      const recorder = new CallRecorder(store.db, { node: config.nodeName, onError });
      const counter = redis ? await RedisCallCounter.open({ redis, onError }) : undefined;
      if (counter) stoppers.push(async () => counter.close());
      app = await createAppServer({
        directory,
        media,
        recorder,
        ...(counter ? { counter } : {}),
        listen: [{ transport: 'udp', host: config.sip.app.host, port: config.sip.app.port }],
        // SIP_UDP_BUFFER applies to the app's internal socket too: bursts from the edges must not overflow it
        limits: { udpBufferBytes: config.edge.udpBufferBytes },
        edges: (config.sip.edgeNodes ?? [config.sip.edgeInternal]).map((e) => ({ host: e.host, port: e.port, transport: 'UDP' as const })),
        log: (line) => out.info(`app: ${line}`),
      });
      appRef = app;
      roles.app = app;
      stoppers.push(async () => {
        await app!.close();
        await recorder.shutdown();
      });
      const a = app.address;
      // the builtin engine's health line names it already ("builtin 0 calls, …"); rtpengine's lists its relays
      const detail = health.detail.join(', ');
      const engine = detail.startsWith(media.kind) ? detail : `${media.kind} ${detail}`;
      roles.banner.push(`  app (B2BUA)        sip:${a.host}:${a.port} (${a.transport}, edges only), media ${engine}`);
    }

    if (wantEdge) {
      const appNodes = config.sip.appNodes ?? [app ? app.address : config.sip.app];
      const secure = edgeTlsForStart(config, out);
      const onClaimLost = (err: Error) => {
        out.error(`sip: ${err.message}`);
        died(err);
      };
      const location = redis ? await RedisLocation.open({ redis, onError, onClaimLost }) : undefined;
      // stopped after the edge (stoppers run in reverse): leaving removes this edge from the Redis edge registry
      if (location) stoppers.push(() => location.close());
      const edge = await UsersEdge.start({
        directory,
        listen: edgeListeners(config, secure?.tls ?? null),
        internal: { transport: 'udp', host: config.sip.edgeInternal.host, port: config.sip.edgeInternal.port },
        appNodes: appNodes.map((n) => ({ host: n.host, port: n.port, transport: 'UDP' as const })),
        store: { db: store.db, node: config.nodeName },
        node: config.nodeName,
        ...(location ? { location } : {}),
        limits: { udpBufferBytes: config.edge.udpBufferBytes },
        natKeepalive: { intervalSeconds: config.edge.natKeepaliveSeconds, unreachableAfter: config.edge.natUnreachableAfter },
        // Default MD5 only: libre-based phones (baresip 1.0) refuse the whole challenge (ENOSYS) when any
        // WWW-Authenticate names another algorithm. SIP_DIGEST_ALGORITHMS=SHA-256,MD5 offers both (RFC 8760).
        auth: { algorithms: config.sip.digestAlgorithms },
        onError,
      });
      roles.edge = edge;
      stoppers.push(() => edge.close());
      for (const a of edge.phones.addresses) {
        const sb = edge.phones.sentBy(a.transport);
        roles.banner.push(`  users SIP ${a.transport.padEnd(8)} sip:${sb?.host ?? a.host}:${a.port}${a.transport === 'UDP' ? '' : `;transport=${a.transport.toLowerCase()}`} (bound ${a.host})`);
      }
      if (secure) roles.banner.push(`  users TLS cert     ${secure.description}`);
      const i = edge.internalAddress;
      if (!config.sip.edgeNodes) app?.setEdges([{ host: i.host, port: i.port, transport: 'UDP' }]);
      roles.banner.push(`  users edge internal sip:${i.host}:${i.port} (UDP, app nodes only)`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  roles.stop = stop;
  return roles;
}
