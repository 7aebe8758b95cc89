// Test world for the users edge: a PGlite store seeded through the API (terminals alice/bob/carol in client A,
// dave in client B), the real Directory, the edge on free loopback ports, a fake app node (a tiny B2BUA stand-in
// on its own stack) and phones built from the SIP test user agent.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FakeClock } from '../../src/sip/clock.ts';
import { createRequest, createResponse, type SipRequest, type SipResponse } from '../../src/sip/message.ts';
import { createSipStack, type SipStack } from '../../src/sip/stack.ts';
import type { SendTarget, ServerTransaction } from '../../src/sip/transaction/types.ts';
import { UserAgent } from '../../src/sip/ua/user-agent.ts';
import { dialogFromUasRequest } from '../../src/sip/dialog/create.ts';
import type { Dialog } from '../../src/sip/dialog/dialog.ts';
import { DialogStore } from '../../src/sip/dialog/store.ts';
import { UacInvite } from '../../src/sip/dialog/uac-invite.ts';
import { configureSipSecretKey } from '../../src/store/secrets/sip-secret.ts';
import { Directory, readDirectoryVersion } from '../../src/store/directory/index.ts';
import type { Store } from '../../src/store/db.ts';
import { UsersEdge, MemoryLocation, type UsersEdgeOptions } from '../../src/edge/users/index.ts';
import type { AppNode } from '../../src/edge/users/app-nodes.ts';
import { openPgliteTestStore } from '../support/stores.ts';
import { buildTestApi, injectAs, ok, seedWorld, type World } from '../support/api.ts';

export const DOMAIN = 'a.pbx.example.com';
export const SDP = (ip: string, port: number) => `v=0\r\no=- 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

export interface TerminalInfo {
  id: number;
  userId: number;
  name: string;
  password: string;
}

export interface EdgeWorld {
  store: Store;
  api: FastifyInstance;
  w: World;
  dir: Directory;
  clock: FakeClock;
  location: MemoryLocation;
  edge: UsersEdge;
  app: FakeApp;
  terminals: Record<string, TerminalInfo>;
  /** closes everything that was started */
  close(): Promise<void>;
  phone(name: string, o?: { password?: string; domain?: string }): Promise<Phone>;
  caughtUp(): Promise<void>;
}

export interface Phone {
  ua: UserAgent;
  stack: SipStack;
  port: number;
}

/** `appNodes`: the edge's app node list, given the fake app's and the seeded world (default: the fake app alone). */
export async function startEdgeWorld(o: Partial<UsersEdgeOptions> = {}, nodes: { appNodes?: (fake: AppNode, w: World) => AppNode[] } = {}): Promise<EdgeWorld> {
  configureSipSecretKey(randomBytes(32).toString('base64'));
  const cleanup: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
  };
  try {
    const store = await openPgliteTestStore();
    cleanup.push(() => store.close());
    const api = await buildTestApi(store);
    cleanup.push(() => api.close());
    const w = await seedWorld(api, store);
    const terminals: Record<string, TerminalInfo> = {};
    const mkUser = async (token: string, name: string, password: string, extra: Record<string, unknown> = {}) => {
      const id = ok(await injectAs(api, token, 'POST', '/api/client/terminals', { name, password }), 201).id as number;
      const userId = ok(await injectAs(api, token, 'POST', '/api/client/users', { name, email: `${name}@${DOMAIN}`, terminalId: id, ...extra }), 201).id as number;
      terminals[name] = { id, userId, name, password };
    };
    await mkUser(w.clientTokenA, 'alice', 'Alice-pw1');
    await mkUser(w.clientTokenA, 'bob', 'Bob-pw22');
    await mkUser(w.clientTokenA, 'carol', 'Carol-pw3', { multiContact: false });
    await mkUser(w.clientTokenB, 'dave', 'Dave-pw44');
    const dir = await Directory.open(store.db, { pollIntervalMs: 0 });
    cleanup.push(() => dir.close());
    const caughtUp = async () => dir.waitForVersion(await readDirectoryVersion(store.db));
    await caughtUp();

    const clock = new FakeClock(Date.now());
    const location = new MemoryLocation({ clock, sweepMs: 0 });
    const app = await FakeApp.start(dir);
    cleanup.push(() => app.close());
    const edge = await UsersEdge.start({
      directory: dir,
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
      ],
      internal: { transport: 'udp', host: '127.0.0.1', port: 0 },
      appNodes: (nodes.appNodes ?? ((fake: AppNode) => [fake]))({ host: '127.0.0.1', port: app.port, transport: 'UDP' }, w),
      location,
      store: { db: store.db, node: 'edge-test', delayMs: 20 },
      ...o,
    });
    cleanup.push(() => edge.close());
    app.edge = { transport: 'UDP', ...edge.internalAddress };

    const phone = async (name: string, po: { password?: string; domain?: string } = {}): Promise<Phone> => {
      const stack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
      cleanup.push(() => stack.close());
      const port = stack.addresses[0]!.port;
      const ua = new UserAgent({
        layer: stack.tx,
        aor: `sip:${name}@${po.domain ?? DOMAIN}`,
        contact: { host: '127.0.0.1', port, transport: 'UDP' },
        outbound: { transport: 'UDP', ...edge.address('UDP')! },
        credentials: { username: name, password: po.password ?? terminals[name]?.password ?? 'x' },
        userAgent: `test-phone/${name}`,
      });
      return { ua, stack, port };
    };
    return { store, api, w, dir, clock, location, edge, app, terminals, close, phone, caughtUp };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Sends one request in a client transaction and resolves with the final response. */
export function request(stack: SipStack, req: SipRequest, target: SendTarget): Promise<SipResponse> {
  return new Promise((resolve) => {
    stack.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status >= 200) resolve(res);
      },
      onTimeout: () => resolve(createResponse(req, 408, 'Request Timeout')),
      onTransportError: () => resolve(createResponse(req, 503, 'Service Unavailable')),
    });
  });
}

export function register(o: { user: string; domain?: string; port: number; callId: string; cseq: number; expires?: number; contact?: string; extra?: Array<[string, string]> }): SipRequest {
  const d = o.domain ?? DOMAIN;
  return createRequest({
    method: 'REGISTER',
    uri: `sip:${d}`,
    headers: [
      ['Max-Forwards', '70'],
      ['From', `<sip:${o.user}@${d}>;tag=${randomBytes(4).toString('hex')}`],
      ['To', `<sip:${o.user}@${d}>`],
      ['Call-ID', o.callId],
      ['CSeq', `${o.cseq} REGISTER`],
      ['Contact', o.contact ?? `<sip:${o.user}@127.0.0.1:${o.port}>`],
      ...(o.expires !== undefined ? ([['Expires', String(o.expires)]] as Array<[string, string]>) : []),
      ...(o.extra ?? []),
    ],
  });
}

export interface TargetPolicy {
  reject?: string;
  multi?: '0' | '1';
  /** extra headers the app puts on the B-leg (to test the allow-list) */
  extra?: Array<[string, string]>;
}

interface Pair {
  a: { invite: SipRequest; tx: ServerTransaction; dialog?: Dialog; tag: string };
  b?: { uac: UacInvite; dialog?: Dialog };
}

/**
 * A B2BUA stand-in for the app node: A-leg INVITE from the edge → B-leg INVITE back to the edge's internal
 * listener for `sip:<dialled user>@<caller's domain>`; relays 180/2xx/failures, CANCEL and in-dialog BYE/INFO.
 */
export class FakeApp {
  readonly stack: SipStack;
  readonly port: number;
  readonly aLegs: SipRequest[] = [];
  readonly bLegResponses: number[] = [];
  edge!: SendTarget;
  policy: TargetPolicy = {};
  readonly #dir: Directory;
  readonly #store = new DialogStore();
  readonly #byCallId = new Map<string, Pair>();

  private constructor(stack: SipStack, dir: Directory) {
    this.stack = stack;
    this.port = stack.addresses[0]!.port;
    this.#dir = dir;
    stack.onRequest((req, tx) => this.#onRequest(req, tx));
    stack.onStrayResponse((res) => {
      for (const p of this.#byCallId.values()) if (p.b && res.callId === p.b.uac.invite.callId) p.b.uac.handleStray2xx(res);
    });
  }

  static async start(dir: Directory): Promise<FakeApp> {
    return new FakeApp(await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] }), dir);
  }

  get contact(): string {
    return `<sip:app@127.0.0.1:${this.port}>`;
  }

  close(): Promise<void> {
    return this.stack.close();
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    if (req.to.params.has('tag')) return this.#inDialog(req, tx);
    if (req.method !== 'INVITE') return tx.respond(createResponse(req, 405, undefined, { toTag: 'x' }));
    this.aLegs.push(req);
    const pair: Pair = { a: { invite: req, tx, tag: randomBytes(4).toString('hex') } };
    this.#byCallId.set(req.callId, pair);
    const domain = req.from.uri.host;
    const target = this.#dir.terminal(domain, req.uri.user ?? '');
    const clientId = req.headers.get('X-Sy-Client') ?? '';
    if (!target) return tx.respond(createResponse(req, 404, 'Not Found', { toTag: pair.a.tag }));
    const bCallId = `${randomBytes(6).toString('hex')}@app`;
    const invite = createRequest({
      method: 'INVITE',
      uri: `sip:${target.name}@${domain}`,
      headers: [
        ['Max-Forwards', '70'],
        ['From', `${req.headers.get('from')!.replace(/;tag=[^;>]*/, '')};tag=${randomBytes(4).toString('hex')}`],
        ['To', `<sip:${target.name}@${domain}>`],
        ['Call-ID', bCallId],
        ['CSeq', '1 INVITE'],
        ['Contact', this.contact],
        ['X-Sy-Target', `terminal;id=${target.id}`],
        ['X-Sy-Client', clientId],
        ['X-Sy-Reject', this.policy.reject ?? target.user?.rejectMethod ?? 'default'],
        ['X-Sy-Multi-Contact', this.policy.multi ?? (target.user?.multiContact === false ? '0' : '1')],
        ...(this.policy.extra ?? []),
        ['Content-Type', 'application/sdp'],
      ],
      body: req.body,
    });
    this.#byCallId.set(bCallId, pair);
    const respondA = (status: number, reason: string, o: { body?: Buffer; sdp?: boolean } = {}) => {
      if (tx.state !== 'proceeding') return;
      if (status < 300 && !pair.a.dialog) {
        const d = dialogFromUasRequest(req, pair.a.tag, this.contact, status >= 200 ? 'confirmed' : 'early');
        if (d) {
          pair.a.dialog = d;
          this.#store.add(d);
        }
      }
      const headers: Array<[string, string]> = status < 300 ? [['Contact', this.contact], ...req.headers.getAll('record-route').map((v): [string, string] => ['Record-Route', v])] : [];
      if (o.body && o.body.length > 0) headers.push(['Content-Type', 'application/sdp']);
      tx.respond(createResponse(req, status, reason, { toTag: pair.a.tag, headers, ...(o.body ? { body: o.body } : {}) }));
      if (status >= 200 && status < 300 && pair.a.dialog) pair.a.dialog.state = 'confirmed';
    };
    const uac = new UacInvite({
      layer: this.stack.tx,
      store: this.#store,
      invite,
      target: this.edge,
      localContact: this.contact,
      targetFor: () => this.edge,
      handlers: {
        onProvisional: (res) => {
          if (res.status === 180 || res.status === 183) respondA(res.status, res.reason);
        },
        onEstablished: (d, res) => {
          pair.b!.dialog = d;
          this.bLegResponses.push(res.status);
          respondA(200, 'OK', { body: res.body });
        },
        onFailure: (res) => {
          this.bLegResponses.push(res.status);
          respondA(res.status, res.reason);
        },
      },
    });
    pair.b = { uac };
    tx.onCancel(() => uac.cancel());
  }

  #inDialog(req: SipRequest, tx: ServerTransaction): void {
    const pair = this.#byCallId.get(req.callId);
    if (!pair || !pair.b) return tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
    const fromA = req.callId === pair.a.invite.callId;
    const own = fromA ? pair.a.dialog : pair.b.dialog;
    const other = fromA ? pair.b.dialog : pair.a.dialog;
    own?.receiveRequest(req);
    if (!other) return tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
    const out = other.createRequest(req.method, req.body.length > 0 ? { body: req.body, contentType: req.contentType ?? 'application/sdp' } : {});
    this.stack.sendRequest(out, this.edge, {
      onResponse: (res) => {
        if (res.status >= 200) tx.respond(createResponse(req, res.status, res.reason));
      },
      onTimeout: () => tx.respond(createResponse(req, 408, 'Request Timeout')),
    });
  }
}

/** Resolves when `pred()` holds (polls every 5 ms, gives up after `ms`). */
export async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}
