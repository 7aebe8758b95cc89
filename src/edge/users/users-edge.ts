// Composition of the users edge: the public SIP stack (phones: UDP/TCP/TLS/WS/WSS), the internal stack (app nodes,
// default 127.0.0.1:5069 UDP), directory-backed auth, registrar + location service, the proxy core and the
// asynchronous `registrations` mirror. `UsersEdge.start()` binds everything; `close()` releases everything.
// Cluster: several edges share one location service (RedisLocation); each announces itself (node id + internal
// listener) so the others relay requests for the phones whose flows it holds, and trust its relays.
import type { Kysely } from 'kysely';
import { realClock, type Clock } from '../../sip/clock.ts';
import type { DigestAlgorithm } from '../../sip/digest/algorithm.ts';
import { createSipStack, type ListenSpec, type SipStack } from '../../sip/stack.ts';
import type { TimerConfig } from '../../sip/transaction/timers.ts';
import type { TransportLimits } from '../../sip/transport/limits.ts';
import type { TlsSettings } from '../../sip/transport/tls-settings.ts';
import { PeerHealth, type ProbeOptions } from '../../sip/ua/peer-health.ts';
import type { Database } from '../../store/schema/index.ts';
import { createAppNodeSelector, type AppNode, type DistributeMethod } from './app-nodes.ts';
import { EdgeAuth, type EdgeDirectory } from './auth.ts';
import { NO_GUARDS, type EdgeGuards } from './guards.ts';
import { MemoryLocation, type LocationService } from './location.ts';
import { NatKeepalive } from './nat-keepalive.ts';
import { EdgeProxy } from './proxy.ts';
import { Registrar, type RegistrarOptions } from './registrar.ts';
import { RegistrationsMirror } from './registrations-mirror.ts';
import { OwnAddresses } from './routing.ts';

export interface UsersEdgeOptions {
  directory: EdgeDirectory;
  /** public listeners for phones (config: users 5060 UDP+TCP, 5061 TLS, 10080 WS, 10081 WSS) */
  listen: ListenSpec[];
  /** the listener app nodes talk to (default 127.0.0.1:5069 UDP); only app node addresses are served there */
  internal?: ListenSpec;
  /** application servers (seed-part1 §1.32: port 6060 UDP) */
  appNodes: AppNode[];
  distribute?: DistributeMethod;
  /** keep-alive OPTIONS to the app nodes when there are several (default every 5 s, down after 2 s unanswered) */
  appProbe?: ProbeOptions;
  /** default: in-memory (embedded mode); a RedisLocation in a cluster (not closed by the edge) */
  location?: LocationService;
  /** this edge node's id in the cluster (default: `store.node`, else 'edge'); unique per edge sharing a location */
  node?: string;
  registrar?: RegistrarOptions;
  auth?: { secret?: Buffer | string; algorithms?: DigestAlgorithm[]; nonceTtlMs?: number };
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  /** transport limits of both stacks (e.g. udpBufferBytes: SIP_UDP_BUFFER) */
  limits?: Partial<TransportLimits>;
  /** proxy Timer C (default 180 s) */
  timerCMs?: number;
  tls?: TlsSettings;
  /** mirror registrations into this store's `registrations` table */
  store?: { db: Kysely<Database>; node?: string; delayMs?: number };
  guards?: EdgeGuards;
  /** keep-alive OPTIONS to NATed UDP phones (nat-keepalive.ts): seconds between pings (default 30, 0 = off) and
   *  unanswered pings in a row that remove the binding (default 0 = never) */
  natKeepalive?: { intervalSeconds?: number; unreachableAfter?: number };
  onError?: (err: unknown) => void;
}

export class UsersEdge {
  readonly phones: SipStack;
  readonly apps: SipStack;
  readonly location: LocationService;
  readonly registrar: Registrar;
  readonly mirror: RegistrationsMirror | undefined;
  readonly keepalive: NatKeepalive | undefined;
  /** the app nodes' keep-alive probes (when there are several) */
  readonly appHealth: PeerHealth;
  readonly #ownsLocation: boolean;

  private constructor(
    phones: SipStack,
    apps: SipStack,
    location: LocationService,
    ownsLocation: boolean,
    registrar: Registrar,
    mirror: RegistrationsMirror | undefined,
    keepalive: NatKeepalive | undefined,
    appHealth: PeerHealth,
  ) {
    this.keepalive = keepalive;
    this.appHealth = appHealth;
    this.phones = phones;
    this.apps = apps;
    this.location = location;
    this.#ownsLocation = ownsLocation;
    this.registrar = registrar;
    this.mirror = mirror;
  }

  static async start(o: UsersEdgeOptions): Promise<UsersEdge> {
    const clock = o.clock ?? realClock;
    const common = {
      clock,
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.onError ? { onInternalError: o.onError } : {}),
    };
    const ownsLocation = o.location === undefined;
    const location = o.location ?? new MemoryLocation({ clock });
    const nodeId = o.node ?? o.store?.node ?? 'edge';
    // Before any listener is bound: waiting out a predecessor's claim must not answer phones 500 meanwhile.
    await location.claimNode(nodeId);
    const phones = await createSipStack({ listen: o.listen, ...common });
    let apps: SipStack;
    try {
      // only app nodes send here: from an app server of this process the hop is reliable (src/sip/transport/udp.ts)
      apps = await createSipStack({ listen: [{ ...(o.internal ?? { transport: 'udp', host: '127.0.0.1', port: 5069 }), reliableInProcess: true }], ...common });
    } catch (e) {
      await phones.close();
      throw e;
    }
    const own = new OwnAddresses();
    for (const stack of [phones, apps]) {
      for (const a of stack.addresses) {
        own.add(a.host, a.port);
        const sb = stack.sentBy(a.transport);
        if (sb) own.add(sb.host, sb.port);
      }
    }
    for (const l of [...o.listen, ...(o.internal ? [o.internal] : [])]) {
      if (l.advertise) own.add(l.advertise.host, l.advertise.port ?? l.port);
    }
    const int = apps.sentBy('UDP')!;
    const self = { id: nodeId, host: int.host, port: int.port };
    const appHealth = new PeerHealth(apps.tx, clock, () => `<sip:edge@${int.host.includes(':') ? `[${int.host}]` : int.host}:${int.port}>`, o.appProbe);
    appHealth.set(o.appNodes.map((n) => ({ transport: n.transport, host: n.host, port: n.port })));
    try {
      await location.attachEdge(self);
    } catch (e) {
      await Promise.all([phones.close(), apps.close()]);
      throw e;
    }
    const registrar = new Registrar(location, o.registrar);
    let mirror: RegistrationsMirror | undefined;
    if (o.store) {
      mirror = new RegistrationsMirror(o.store.db, location, {
        node: self.id,
        ...(o.store.delayMs !== undefined ? { delayMs: o.store.delayMs } : {}),
        ...(o.onError ? { onError: o.onError } : {}),
      });
    }
    new EdgeProxy({
      phones,
      apps,
      directory: o.directory,
      auth: new EdgeAuth({
        directory: o.directory,
        clock,
        ...(o.auth?.secret !== undefined ? { secret: o.auth.secret } : {}),
        ...(o.auth?.algorithms ? { algorithms: o.auth.algorithms } : {}),
        ...(o.auth?.nonceTtlMs !== undefined ? { nonceTtlMs: o.auth.nonceTtlMs } : {}),
      }),
      registrar,
      location,
      appNodes: createAppNodeSelector(o.appNodes, o.distribute, (n) => appHealth.isUp(n.host, n.port)),
      own,
      self,
      guards: o.guards ?? NO_GUARDS,
      clock,
      ...(o.timerCMs !== undefined ? { timerCMs: o.timerCMs } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    const ka = o.natKeepalive ?? {};
    const keepalive =
      (ka.intervalSeconds ?? 30) > 0
        ? new NatKeepalive({
            stack: phones,
            location,
            clock,
            // in a cluster every edge hears every binding: ping only the phones whose NAT pinhole is ours
            owns: (b) => b.edge === undefined || b.edge.id === self.id,
            ...(ka.intervalSeconds !== undefined ? { intervalSeconds: ka.intervalSeconds } : {}),
            ...(ka.unreachableAfter !== undefined ? { unreachableAfter: ka.unreachableAfter } : {}),
            ...(o.onError ? { onError: o.onError } : {}),
          })
        : undefined;
    // the previous run's registrations, once the keep-alive listens: it pings their NAT pinholes from its next round.
    // Best effort: without them phones are reachable again at their next REGISTER, as before.
    await mirror?.start().catch((e: unknown) => o.onError?.(e));
    return new UsersEdge(phones, apps, location, ownsLocation, registrar, mirror, keepalive, appHealth);
  }

  /** The internal listener's address (what app nodes send B-leg INVITEs to). */
  get internalAddress(): { host: string; port: number } {
    return this.apps.sentBy('UDP')!;
  }

  /** The public address of a transport (tests, logs). */
  address(transport: 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS' = 'UDP'): { host: string; port: number } | undefined {
    return this.phones.sentBy(transport);
  }

  async close(): Promise<void> {
    this.appHealth.stop();
    this.keepalive?.close();
    await this.mirror?.close();
    await Promise.all([this.phones.close(), this.apps.close()]);
    if (this.#ownsLocation) await this.location.close();
  }
}
