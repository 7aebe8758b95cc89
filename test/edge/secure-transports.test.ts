// TLS and WSS listeners of the users edge (issue 6): the listeners `switchyard start` builds from config
// (src/cli/sip-roles.ts edgeListeners) with the self-signed certificate it generates into DATA_DIR/tls
// (src/cli/edge-tls.ts), driven by the test UA: digest REGISTER over TLS (RFC 3261 §26.2.1) and over secure
// WebSocket (RFC 7118), and calls between a TLS phone and a WSS phone through the fake app node.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { edgeListeners } from '../../src/cli/sip-roles.ts';
import { resolveEdgeTls } from '../../src/cli/edge-tls.ts';
import { createSipStack } from '../../src/sip/stack.ts';
import type { TlsSettings } from '../../src/sip/transport/tls-settings.ts';
import type { TransportName } from '../../src/sip/transaction/types.ts';
import { UserAgent, type IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { DOMAIN, SDP, startEdgeWorld, until, type EdgeWorld, type Phone } from './support.ts';

const opensslMissing = spawnSync('openssl', ['version']).error !== undefined;
if (opensslMissing && process.env.CI === 'true') throw new Error('openssl is required in CI (self-signed certificate for TLS/WSS)');

describe('users edge: TLS and WSS phones', { skip: opensslMissing ? 'openssl not installed (needed to generate the self-signed certificate)' : false }, () => {
  let W: EdgeWorld;
  let dataDir: string;
  let serverTls: TlsSettings;
  const cleanup: Array<() => Promise<unknown>> = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sy-secure-'));
    const cfg = loadConfig({
      env: {
        DATA_DIR: dataDir, PUBLIC_IP: '127.0.0.1',
        SIP_USERS_PORT: '0', SIP_USERS_TLS_PORT: '0', SIP_USERS_WS_PORT: '0', SIP_USERS_WSS_PORT: '0',
      },
      interfaces: () => ({}),
    });
    assert.ok(cfg.ok);
    const tls = resolveEdgeTls(cfg.config);
    assert.ok(tls.ok, tls.ok ? '' : tls.message);
    assert.match(tls.description, /self-signed .*sy-secure-.*\/tls\/sip-tls\.crt \(generated now/);
    serverTls = tls.tls;
    const listen = edgeListeners(cfg.config, serverTls);
    assert.deepEqual(listen.map((l) => l.transport), ['udp', 'tcp', 'tls', 'ws', 'wss']);
    W = await startEdgeWorld({ listen });
  });
  after(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
    await W?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * A phone on TLS or WSS. Both verify the edge's self-signed certificate (trusted as CA) and its name
   * (`switchyard`: the phones reach the edge by IP, the certificate names no IP).
   */
  async function phone(name: string, transport: 'TLS' | 'WSS', password?: string, servername = 'switchyard'): Promise<Phone & { calls: IncomingCall[] }> {
    const clientTls: TlsSettings = { key: serverTls.key, cert: serverTls.cert, ca: serverTls.cert, servername };
    const stack = await createSipStack({
      listen: [{ transport: transport === 'TLS' ? 'tls' : 'wss', host: '127.0.0.1', port: 0 }],
      tls: clientTls,
    });
    cleanup.push(() => stack.close());
    const port = stack.addresses[0]!.port;
    const edgeAddr = W.edge.address(transport);
    assert.ok(edgeAddr, `edge listens on ${transport}`);
    const ua = new UserAgent({
      layer: stack.tx,
      aor: `sip:${name}@${DOMAIN}`,
      contact: { host: '127.0.0.1', port, transport: transport as TransportName },
      outbound: { transport, ...edgeAddr },
      credentials: { username: name, password: password ?? W.terminals[name]!.password },
      userAgent: `secure-phone/${name}`,
    });
    const calls: IncomingCall[] = [];
    ua.onCall((c) => calls.push(c));
    return { ua, stack, port, calls };
  }

  async function bindingTransports(name: string): Promise<string[]> {
    return (await W.location.lookup(`sip:${name}@${DOMAIN}`)).map((b) => b.flow.transport);
  }

  let alice: Phone & { calls: IncomingCall[] };
  let bob: Phone & { calls: IncomingCall[] };

  it('registers over TLS with digest auth; the binding is the TLS flow', async () => {
    alice = await phone('alice', 'TLS');
    const r = await alice.ua.register({ expires: 600 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(await bindingTransports('alice'), ['TLS']);
  });

  it('registers over WSS with digest auth; the binding is the WSS flow', async () => {
    bob = await phone('bob', 'WSS');
    const r = await bob.ua.register({ expires: 600 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(await bindingTransports('bob'), ['WSS']);
  });

  it('a phone that expects another name in the certificate does not connect, on TLS and on WSS', async () => {
    for (const transport of ['TLS', 'WSS'] as const) {
      const p = await phone('carol', transport, undefined, 'not-the-edge.example.com');
      const r = await p.ua.register({ expires: 600 });
      assert.equal(r.ok, false, `${transport}: ${JSON.stringify(r)}`);
      if (!r.ok) assert.equal(r.status, 503, `${transport}: a transport failure, not an answer from the edge`);
    }
    assert.deepEqual(await bindingTransports('carol'), []);
  });

  it('a wrong password is refused on TLS and on WSS', async () => {
    for (const transport of ['TLS', 'WSS'] as const) {
      const p = await phone('carol', transport, 'not-the-password');
      const r = await p.ua.register({ expires: 600 });
      assert.equal(r.ok, false, `${transport}: ${JSON.stringify(r)}`);
      if (!r.ok) assert.ok(r.status === 401 || r.status === 403, `${transport}: ${r.status}`);
    }
    assert.deepEqual(await bindingTransports('carol'), []);
  });

  it('TLS phone calls WSS phone: rings, connects, in-dialog INFO, caller hangs up', async () => {
    const call = alice.ua.invite(`sip:bob@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4000) });
    await until(() => bob.calls.length === 1);
    const aLeg = W.app.aLegs.at(-1)!;
    assert.equal(aLeg.headers.get('X-Sy-Source')?.endsWith(';transport=tls'), true, aLeg.headers.get('X-Sy-Source') ?? '');
    const inc = bob.calls[0]!;
    // the edge record-routes itself on bob's side with its WSS address
    const rr = inc.invite.recordRoutes()[0]!.uri;
    assert.equal(rr.params.get('transport'), 'wss');
    assert.equal(rr.port, W.edge.address('WSS')!.port);
    inc.ringing();
    assert.ok(await inc.answer(SDP('127.0.0.1', 5000)));
    assert.deepEqual(await call.established, { ok: true });
    assert.match(call.remoteSdp ?? '', /m=audio 5000/);
    assert.equal(await call.info('7'), 200);
    await until(() => inc.dtmf.includes('7'));
    assert.equal(await call.hangup(), 200);
    assert.equal((await inc.ended).by, 'remote');
  });

  it('WSS phone calls TLS phone: connects and the callee hangs up', async () => {
    const call = bob.ua.invite(`sip:alice@${DOMAIN}`, { sdp: SDP('127.0.0.1', 4002) });
    await until(() => alice.calls.length === 1);
    assert.equal(W.app.aLegs.at(-1)!.headers.get('X-Sy-Source')?.endsWith(';transport=wss'), true);
    const inc = alice.calls[0]!;
    assert.equal(inc.invite.recordRoutes()[0]!.uri.params.get('transport'), 'tls');
    assert.ok(await inc.answer(SDP('127.0.0.1', 5002)));
    assert.deepEqual(await call.established, { ok: true });
    assert.equal(await inc.hangup(), 200);
    assert.equal((await call.ended).by, 'remote');
  });

  it('unregisters over both transports', async () => {
    assert.ok((await alice.ua.register({ expires: 0 })).ok);
    assert.ok((await bob.ua.register({ expires: 0 })).ok);
    assert.deepEqual(await bindingTransports('alice'), []);
    assert.deepEqual(await bindingTransports('bob'), []);
  });
});
