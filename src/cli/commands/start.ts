// `switchyard start`: the composition root. Validates config, loads secrets, opens and migrates the store,
// seeds a fresh store (first-start.ts), starts the roles (api, edge, app, billing, jobs), prints every URL and the
// demo credentials, and shuts down cleanly on SIGINT/SIGTERM (server closed, then the store: PGlite flushes
// its data directory on close).
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/load.ts';
import { describeConfig } from '../../config/load.ts';
import { loadSecrets } from '../../config/secrets.ts';
import type { Store } from '../../store/db.ts';
import { DEMO, DEMO_PASSWORD } from '../../store/demo.ts';
import { buildApiServer } from '../../api/server.ts';
import { verifyPassword } from '../../api/auth/passwords.ts';
import { firstStart } from '../first-start.ts';
import { apiUrls, landingPage } from '../landing.ts';
import { openConfiguredStore, version, type CommandResult, type Output } from '../context.ts';
import { configureSipSecretKey } from '../../store/secrets/sip-secret.ts';
import { ensureDemoVpbx } from '../demo-vpbx-wiring.ts';
import { startSipRoles, type SipRoles } from '../sip-roles.ts';
import { startBackgroundRoles, type BackgroundRoles } from '../background-roles.ts';

/** Longest a shutdown may take before the process gives up and exits non-zero. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface Running {
  /** Base URL the HTTP server answers on (the real port when HTTP_PORT=0). */
  httpUrl: string | null;
  /** Resolves when a part of the platform can no longer run (SipRoles.death): stop, and exit with an error. */
  death: Promise<Error>;
  stop(): Promise<void>;
}

async function defaultPasswordInUse(store: Store): Promise<boolean> {
  const admin = await store.db.selectFrom('administrators').select('passwordHash')
    .where('level', '=', 'platform').where('username', '=', DEMO.platformAdmin).executeTakeFirst();
  return admin ? verifyPassword(DEMO_PASSWORD, admin.passwordHash) : false;
}

/** Starts everything `config.roles` asks for; the caller owns signal handling (see `runStart`). */
export async function start(config: Config, out: Output): Promise<Running> {
  const secrets = loadSecrets(config);
  if (!secrets.ok) throw new StartError(secrets.code, secrets.message);
  if (secrets.created) out.info(`secrets: generated ${secrets.file} (mode 0600; back it up with the database)`);

  out.info(`switchyard ${version()} starting (roles: ${config.roles.join(', ')})`);
  for (const [k, v] of Object.entries(describeConfig(config))) out.info(`  ${k.padEnd(12)} ${v}`);

  // Terminals' SIP passwords are encrypted at rest with the platform key (API writes, provisioning reads).
  configureSipSecretKey(secrets.secrets.encryptionKey);
  const store = await openConfiguredStore(config);
  let app: FastifyInstance | null = null;
  let sip: SipRoles | null = null;
  let background: BackgroundRoles | null = null;
  try {
    out.info(`store: ${store.kind === 'pglite' ? 'embedded PGlite (on its own thread)' : 'PostgreSQL'}, migrations applied`);
    const first = await firstStart(store.db, config);
    if (first.fresh) out.info(`first start: proxy addresses set to ${config.publicIp}`);
    if (first.demo && first.demo.ok && first.demo.created) {
      out.info(`demo data loaded: brand ${DEMO.brand}, vPBX client ${DEMO.client} (SIP domain ${first.demo.sipDomain})`);
    } else if (first.demo && !first.demo.ok) {
      out.error(`demo data not loaded: ${first.demo.message}`);
    } else if (first.fresh && !config.demo) {
      out.info('no administrator yet: create one with `switchyard create-admin --level platform --username U --password P`');
    }

    if (first.demo && first.demo.ok && first.demo.created) {
      const vpbx = await ensureDemoVpbx(store.db, first.demo.ids.clientId, secrets.secrets.encryptionKey);
      if (vpbx.added) out.info('demo vPBX: terminals alice/alice and bob/bob, extensions 101 (Alice) and 102 (Bob)');
    }

    background = startBackgroundRoles(config, store, out);
    sip = await startSipRoles(config, store, out);

    let httpUrl: string | null = null;
    if (config.roles.includes('api')) {
      const server = await buildApiServer({ store, config: { jwtSecret: secrets.secrets.jwtSecret } });
      app = server;
      const page = landingPage(version());
      if (!server.hasRoute({ method: 'GET', url: '/' })) {
        server.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
      }
      await server.listen({ host: config.http.host, port: config.http.port });
      const addr = server.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
      const shownHost = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
      httpUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
      printUrls(out, httpUrl);
    }
    if (sip.banner.length > 0) {
      out.info('');
      for (const line of sip.banner) out.info(line);
    }
    printCredentials(out, config, await defaultPasswordInUse(store));
    out.info(`switchyard ready${httpUrl ? `: ${httpUrl}` : ''}`);

    let stopped = false;
    // the store thread dying is as fatal as a SIP role dying: every statement would fail from then on
    const storeDeath = store.failed.then((e) => {
      out.error(`store: ${e.message}`);
      return e;
    });
    const death = Promise.race([sip.death, storeDeath]);
    return {
      httpUrl,
      death,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (app) await app.close();
        if (sip) await sip.stop();
        if (background) await background.stop();
        await store.close();
      },
    };
  } catch (err) {
    if (app) await app.close().catch(() => {});
    if (sip) await sip.stop().catch(() => {});
    if (background) await background.stop().catch(() => {});
    await store.close();
    throw err;
  }
}

function printUrls(out: Output, base: string): void {
  out.info('');
  out.info(`  landing page       ${base}/`);
  for (const u of apiUrls(base)) {
    out.info(`  ${`${u.level} API docs`.padEnd(18)} ${u.docs}`);
    out.info(`  ${''.padEnd(18)} ${u.openapi}`);
  }
}

function printCredentials(out: Output, config: Config, defaultPassword: boolean): void {
  out.info('');
  if (config.demo) {
    out.info(`  demo logins (password "${DEMO_PASSWORD}"): platform ${DEMO.platformAdmin}, brand ${DEMO.brandAdmin}, client ${DEMO.clientAdmin}`);
    out.info(`  SIP: users proxy udp/tcp ${config.publicIp}:${config.sip.users.udp}, trunks ${config.publicIp}:${config.sip.trunks.udp}`);
    out.info(`  demo phones: register alice/alice or bob/bob at sip:${config.publicIp}:${config.sip.users.udp} (domain ${config.publicIp}), dial 101 / 102`);
  }
  if (defaultPassword) {
    out.error(`WARNING: platform administrator "${DEMO.platformAdmin}" still has the default password "${DEMO_PASSWORD}". ` +
      'Change it before exposing this server (PUT /api/platform/administrators/{id}).');
  }
  out.info('');
}

export class StartError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'StartError';
  }
}

/** `start` as a command: runs until SIGINT/SIGTERM, then stops cleanly (exit 0) or gives up after a grace period. */
export async function runStart(config: Config, out: Output): Promise<CommandResult> {
  let running: Running;
  try {
    running = await start(config, out);
  } catch (err) {
    const code = err instanceof StartError ? err.code : ((err as { code?: string }).code ?? 'START_FAILED');
    out.error(`switchyard: start failed (${code}): ${(err as Error).message}`);
    return { ok: false, code: String(code), exitCode: 1 };
  }
  // Nothing else may keep the event loop alive when only unimplemented roles run: hold it until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const reason = await Promise.race([
    new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    }),
    running.death,
  ]);
  const died = reason instanceof Error;
  out.info(died ? 'a part of the platform cannot run on (above): shutting down' : `${reason}: shutting down`);
  const force = setTimeout(() => {
    out.error(`shutdown took longer than ${SHUTDOWN_GRACE_MS} ms: exiting`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  // A second signal while stopping means "now".
  const again = () => process.exit(1);
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  try {
    await running.stop();
  } finally {
    clearInterval(keepAlive);
    clearTimeout(force);
  }
  out.info('stopped');
  return died ? { ok: false, code: 'PART_DIED', exitCode: 1 } : { ok: true };
}
