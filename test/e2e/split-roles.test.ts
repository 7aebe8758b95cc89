// The split topology of docs/operators/running.md on one host, as real processes: a PostgreSQL 15 and a
// redis-server, `switchyard start` with ROLES=api,edge,billing,jobs (process 1) and another with ROLES=app
// (process 2), both on DATABASE_URL + REDIS_URL with the same secrets. Demo phones register at the edge process and
// Alice calls Bob: the edge must reach the app process's listener (SIP_APP_PORT) with the A leg and the app must reach
// the edge's internal listener (SIP_EDGE_INTERNAL_PORT) with the B leg. The call's rows are written by the app node.
// The app process stands for another host: its internal listener is on 127.0.0.2 (SIP_INTERNAL_IP), and each side is
// told where the other is (SIP_APP_NODES, SIP_EDGE_NODES).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createSipStack, type SipStack } from '../../src/sip/stack.ts';
import { UserAgent, type IncomingCall } from '../../src/sip/ua/user-agent.ts';
import { createDatabase, postgresUnavailable, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { redisSkipReason, startRedis, type RedisServer } from '../support/redis.ts';
import { freePort, startSwitchyard, type PlatformProcess } from './support/process.ts';
import { eventually } from './support/platform.ts';
import { reservePortRange } from '../media/support/phone.ts';

const SDP = (port: number) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

const skip = process.env.CI === 'true' ? false : (postgresUnavailable() ?? redisSkipReason());

describe('split topology: edge process + app process on PostgreSQL and Redis', { skip, timeout: 180_000 }, () => {
  let pgc: PostgresCluster | null = null;
  let redis: RedisServer | null = null;
  let db: pg.Client | null = null;
  const procs: PlatformProcess[] = [];
  const stacks: SipStack[] = [];
  let edgeSip = 0;

  before(async () => {
    pgc = await startPostgres();
    if (!pgc) throw new Error('PostgreSQL not available');
    const databaseUrl = await createDatabase(pgc.url);
    redis = await startRedis();
    const rtp = reservePortRange(100);
    const common = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      JWT_SECRET: randomBytes(32).toString('base64'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SIP_APP_PORT: String(await freePort()),
      SIP_EDGE_INTERNAL_PORT: String(await freePort()),
      RTP_PORTS: `${rtp}-${rtp + 99}`,
    };
    const edge = await startSwitchyard({ ...common, ROLES: 'api,edge,billing,jobs', NODE_NAME: 'split-edge', SIP_APP_NODES: `127.0.0.2:${common.SIP_APP_PORT}` });
    procs.push(edge);
    edgeSip = edge.sipPort;
    procs.push(await startSwitchyard({
      ...common, ROLES: 'app', NODE_NAME: 'split-app', DEMO_DATA: 'false',
      SIP_INTERNAL_IP: '127.0.0.2', SIP_EDGE_NODES: `127.0.0.1:${common.SIP_EDGE_INTERNAL_PORT}`,
    }));
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  after(async () => {
    for (const s of stacks) await s.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    for (const p of procs.reverse()) await p.stop();
    await redis?.stop();
    await pgc?.stop();
  });

  const phone = async (name: string) => {
    const stack = await createSipStack({ listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] });
    stacks.push(stack);
    const a = stack.addresses[0]!;
    return new UserAgent({
      layer: stack.tx,
      aor: `sip:${name}@127.0.0.1`,
      contact: { host: a.host, port: a.port, transport: 'UDP' },
      outbound: { transport: 'UDP', host: '127.0.0.1', port: edgeSip },
      credentials: { username: name, password: name },
      userAgent: `split-${name}`,
    });
  };

  it('each process runs only its roles', () => {
    const [edge, app] = procs;
    assert.match(edge!.output(), /roles: api, edge, billing, jobs/);
    assert.match(edge!.output(), /users edge internal sip:127\.0\.0\.1:\d+/);
    assert.doesNotMatch(edge!.output(), /app \(B2BUA\)/);
    assert.match(app!.output(), /roles: app\b/);
    assert.match(app!.output(), /app \(B2BUA\)\s+sip:127\.0\.0\.2:\d+/);
    assert.doesNotMatch(app!.output(), /users SIP UDP/);
  });

  it('Alice calls Bob through the edge process and the app process', async () => {
    const alice = await phone('alice');
    const bob = await phone('bob');
    // the edge process applied the migrations and loaded the demo phones; registrations go to Redis
    const ra = await alice.register();
    const rb = await bob.register();
    assert.ok(ra.ok, `alice register: ${JSON.stringify(ra)}`);
    assert.ok(rb.ok, `bob register: ${JSON.stringify(rb)}`);
    let bobCall: IncomingCall | undefined;
    bob.onCall((c) => {
      bobCall = c;
      void c.answer(SDP(40002));
    });
    const call = alice.invite('sip:102@127.0.0.1', { sdp: SDP(40000) });
    assert.deepEqual(await call.established, { ok: true });
    assert.ok(bobCall, 'the B leg reached bob through the edge internal listener');
    assert.match(bobCall!.invite.headers.get('from') ?? '', /<sip:101@/);
    // the active-calls rows are the app node's (its call recorder, in PostgreSQL)
    const rows = await eventually(
      async () => (await db!.query<{ node: string }>('select node from active_calls')).rows,
      (r) => r.length === 2,
      10_000,
    );
    assert.deepEqual(new Set(rows.map((r) => r.node)), new Set(['split-app']));
    const regs = (await db!.query<{ node: string }>('select node from registrations')).rows;
    assert.ok(regs.length >= 2 && regs.every((r) => r.node === 'split-edge'), JSON.stringify(regs));
    assert.equal(await bobCall!.hangup(), 200);
    await call.ended;
  });
});
