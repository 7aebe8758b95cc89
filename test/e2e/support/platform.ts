// The whole platform in-process for end-to-end tests: a fresh PGlite store with the demo data (DemoCompany,
// Alice 101 / Bob 102 with terminals alice/alice and bob/bob), the API (inject), and the SIP roles started by the
// same wiring as `switchyard start` (src/cli/sip-roles.ts) on free ports. Phones are `src/sip/ua` user agents on
// their own stacks. `stop()` releases everything, also after a failed test.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../../src/config/load.ts';
import type { Store } from '../../../src/store/db.ts';
import { loadDemoData, DEMO, DEMO_PASSWORD } from '../../../src/store/demo.ts';
import { demoVpbxExtension } from '../../../src/store/demo-vpbx.ts';
import { configureSipSecretKey } from '../../../src/store/secrets/sip-secret.ts';
import { apiCreateRules, seedInfrastructure } from '../../../src/cli/first-start.ts';
import { startSipRoles, type SipRoles } from '../../../src/cli/sip-roles.ts';
import { createSipStack, type SipStack } from '../../../src/sip/stack.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { openPgliteTestStore } from '../../support/stores.ts';
import { buildTestApi, cheapHash, login, TEST_SECRET } from '../../support/api.ts';
import { reservePortRange } from '../../media/support/phone.ts';
import { verifyUserLogin } from '../../../src/api/resources/users-login.ts';
import { startSession } from '../../../src/api/auth/sessions.ts';

export interface Phone {
  ua: UserAgent;
  stack: SipStack;
}

export interface Platform {
  config: Config;
  store: Store;
  api: FastifyInstance;
  sip: SipRoles;
  domain: string;
  clientId: number;
  /** Edge's public UDP address. */
  edge: { host: string; port: number };
  phone(name: string, password?: string): Promise<Phone>;
  clientToken(): Promise<string>;
  userToken(email: string, password?: string): Promise<string>;
  /**
   * Stops the SIP roles and starts them again on the same store and the same public SIP port, as a restart of
   * `switchyard start` would (the phones keep pointing there). `sip` is the new roles afterwards.
   */
  restartSip(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPlatform(o: { media?: string; env?: Record<string, string> } = {}): Promise<Platform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sy-e2e-'));
  const rtp = reservePortRange(400);
  const r = loadConfig({
    env: {
      DATA_DIR: dataDir,
      PUBLIC_IP: '127.0.0.1',
      HTTP_PORT: '0',
      SIP_USERS_PORT: '0',
      // TLS and WSS too: with their defaults (5061, 10081) two platforms of parallel test files collided
      SIP_USERS_TLS_PORT: '0',
      SIP_USERS_WS_PORT: '0',
      SIP_USERS_WSS_PORT: '0',
      SIP_APP_PORT: '0',
      SIP_EDGE_INTERNAL_PORT: '0',
      RTP_PORTS: `${rtp}-${rtp + 399}`,
      ROLES: 'edge,app',
      MEDIA: o.media ?? 'builtin',
      ...o.env,
    },
    interfaces: () => ({}),
  });
  if (!r.ok) throw new Error(`config: ${JSON.stringify(r.errors)}`);
  const config = r.config;
  const encryptionKey = randomBytes(32).toString('base64');
  configureSipSecretKey(encryptionKey);
  const store = await openPgliteTestStore();
  const stops: Array<() => Promise<void>> = [async () => rmSync(dataDir, { recursive: true, force: true }), () => store.close()];
  const phones: Phone[] = [];
  const stop = async () => {
    for (const p of phones.splice(0)) await p.stack.close().catch(() => undefined);
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    await seedInfrastructure(store.db, config);
    const demo = await loadDemoData(store.db, { publicUrl: 'http://localhost' }, {
      ...apiCreateRules,
      hashPassword: cheapHash,
      extend: demoVpbxExtension({ encryptionKey, hashPassword: cheapHash }),
    });
    if (!demo.ok || !demo.created) throw new Error(`demo data: ${JSON.stringify(demo)}`);
    const api = await buildTestApi(store);
    stops.push(() => api.close());
    const logs: string[] = [];
    const out = { info: (l: string) => logs.push(l), error: (l: string) => logs.push(`ERROR ${l}`) };
    let sip = await startSipRoles(config, store, out);
    stops.push(() => sip.stop());
    const edgeAddr = sip.edge!.address('UDP')!;
    const domain = demo.sipDomain;
    const platform: Platform = {
      config,
      store,
      api,
      sip,
      domain,
      clientId: demo.ids.clientId,
      edge: edgeAddr,
      async phone(name, password = name) {
        const stack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
        const a = stack.addresses[0]!;
        const ua = new UserAgent({
          layer: stack.tx,
          aor: `sip:${name}@${domain}`,
          contact: { host: a.host, port: a.port, transport: 'UDP' },
          outbound: { transport: 'UDP', host: edgeAddr.host, port: edgeAddr.port },
          credentials: { username: name, password },
          userAgent: `e2e-${name}`,
        });
        const p = { ua, stack };
        phones.push(p);
        return p;
      },
      clientToken: () => login(api, 'client', DEMO.clientAdmin, DEMO_PASSWORD, { brandId: demo.ids.brandId }),
      async userToken(email, password = 'changeme') {
        const l = await verifyUserLogin(store.db, email, password);
        if (!l.ok) throw new Error(`user login ${email} failed`);
        const s = await startSession(store.db, { jwtSecret: TEST_SECRET, accessTtlSeconds: 3600, refreshTtlSeconds: 3600, now: Date.now }, l.caller);
        return s.token;
      },
      async restartSip() {
        // UDP and TCP share SIP_USERS_PORT: with port 0 they got unrelated ports, and the TCP one may be taken
        if (config.sip.users.udp === 0) throw new Error('restartSip needs a fixed SIP_USERS_PORT (freeSipPort())');
        await sip.stop();
        sip = await startSipRoles(config, store, out);
        platform.sip = sip;
      },
      stop,
    };
    return platform;
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * A port free for both UDP and TCP on 127.0.0.1 (SIP_USERS_PORT binds both), from a block of ports reserved for
 * this test process (reservePortRange: the media tests' ranges stay clear of it).
 */
export async function freeSipPort(): Promise<number> {
  const base = reservePortRange(100);
  for (let port = base; port < base + 100; port++) {
    const tcp = createServer();
    const udp = createSocket('udp4');
    const ok = await Promise.all([
      new Promise<boolean>((r) => tcp.once('error', () => r(false)).listen(port, '127.0.0.1', () => r(true))),
      new Promise<boolean>((r) => udp.once('error', () => r(false)).bind(port, '127.0.0.1', () => r(true))),
    ]);
    if (tcp.listening) await new Promise<void>((r) => tcp.close(() => r()));
    try {
      udp.close();
    } catch {
      // a failed bind may have closed it already
    }
    if (ok.every(Boolean)) return port;
  }
  throw new Error(`no port free for UDP and TCP in ${base}-${base + 99}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls an async condition every 20 ms (bounded). */
export async function eventually<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, limitMs = 5000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(20);
  }
}
