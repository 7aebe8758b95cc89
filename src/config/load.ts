// Resolves the configuration from defaults, environment variables and CLI flags (flags win over env,
// env wins over defaults) and validates every value. Errors are collected, not thrown, so `start`
// can print all of them at once.
import { hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { SETTINGS, ROLES, type MediaSetting, type Role, type SettingName } from './settings.ts';

export interface Config {
  dataDir: string;
  /** null: embedded PGlite in `${dataDir}/pglite` */
  databaseUrl: string | null;
  http: { host: string; port: number };
  publicUrl: string;
  publicIp: string;
  sip: {
    users: { udp: number; tcp: number; tls: number; ws: number; wss: number };
    trunks: { udp: number; tcp: number; tls: number };
    /** the application server's internal listener (B2BUA; only edges talk to it) */
    app: { host: string; port: number };
    /** the users edge's internal listener (app nodes send B legs there) */
    edgeInternal: { host: string; port: number };
    /** SIP_APP_NODES: app nodes of the users edge; null = this process's app, else SIP_INTERNAL_IP:SIP_APP_PORT */
    appNodes: Array<{ host: string; port: number }> | null;
    /** SIP_EDGE_NODES: edges of the app; null = this process's edge, else SIP_INTERNAL_IP:SIP_EDGE_INTERNAL_PORT */
    edgeNodes: Array<{ host: string; port: number }> | null;
    /**
     * PEM certificate and key files (absolute) of the TLS/WSS listeners; both null = a self-signed pair generated
     * once into `${dataDir}/tls` (src/cli/edge-tls.ts)
     */
    tls: { cert: string | null; key: string | null };
    /** digest algorithms the users edge offers, in order */
    digestAlgorithms: Array<'MD5' | 'SHA-256'>;
  };
  /** builtin media engine port range */
  rtpPorts: { min: number; max: number };
  redisUrl: string | null;
  /** this node's name in a cluster (NODE_NAME, default the host name) */
  nodeName: string;
  /** users edge runtime knobs */
  edge: { udpBufferBytes: number; natKeepaliveSeconds: number; natUnreachableAfter: number };
  /** seconds without RTP before a call is hung up (0 = never) */
  mediaTimeoutSeconds: number;
  media: MediaSetting;
  roles: Role[];
  /** explicit secrets; null means "read or generate DATA_DIR/secrets.json" (see secrets.ts) */
  jwtSecret: string | null;
  encryptionKey: string | null;
  demo: boolean;
}

export interface ConfigError {
  setting: string;
  /** where the bad value came from, e.g. "env HTTP_PORT" or "flag --http-port" */
  source: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false, code: 'CONFIG_INVALID'; errors: ConfigError[] };

export interface ConfigInput {
  env?: Record<string, string | undefined>;
  /** flag values keyed by flag name without dashes or with them: `{ '--http-port': '9000' }` */
  flags?: Record<string, string>;
  cwd?: string;
  /** override interface discovery (tests) */
  interfaces?: () => ReturnType<typeof networkInterfaces>;
}

/** First non-internal IPv4 address of this machine, else 127.0.0.1. */
export function detectPublicIp(ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string {
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

export function loadConfig(input: ConfigInput = {}): ConfigResult {
  const env = input.env ?? process.env;
  const flags = input.flags ?? {};
  const cwd = input.cwd ?? process.cwd();
  const errors: ConfigError[] = [];
  const values = new Map<SettingName, unknown>();

  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const s = SETTINGS[name];
    const fromFlag = flags[s.flag] ?? flags[s.flag.slice(2)];
    const fromEnv = env[s.env];
    const raw = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (raw === undefined) continue;
    const source = fromFlag !== undefined ? `flag ${s.flag}` : `env ${s.env}`;
    const r = (s.parse as (x: string) => { ok: true; value: unknown } | { ok: false; message: string })(raw);
    if (r.ok) values.set(name, r.value);
    else errors.push({ setting: name, source, message: r.message });
  }
  const unknownFlags = Object.keys(flags).filter(
    (f) => !Object.values(SETTINGS).some((s) => s.flag === f || s.flag.slice(2) === f),
  );
  for (const f of unknownFlags) errors.push({ setting: f, source: `flag ${f}`, message: 'unknown option' });
  if (errors.length > 0) return { ok: false, code: 'CONFIG_INVALID', errors };

  const get = <T>(name: SettingName, dflt: T): T => (values.has(name) ? (values.get(name) as T) : dflt);
  const optionalPath = (name: SettingName): string | null => (values.has(name) ? resolve(cwd, values.get(name) as string) : null);
  const httpPort = get<number>('httpPort', 8080);
  const config: Config = {
    dataDir: resolve(cwd, get('dataDir', './data')),
    databaseUrl: get<string | null>('databaseUrl', null),
    http: { host: get('httpHost', '0.0.0.0'), port: httpPort },
    publicUrl: stripSlash(get('publicUrl', httpPort === 0 ? 'http://localhost' : `http://localhost:${httpPort}`)),
    publicIp: get('publicIp', detectPublicIp(input.interfaces?.())),
    sip: {
      users: {
        udp: get('sipUsersPort', 5060),
        tcp: get('sipUsersPort', 5060),
        tls: get('sipUsersTlsPort', 5061),
        ws: get('sipUsersWsPort', 10080),
        wss: get('sipUsersWssPort', 10081),
      },
      trunks: {
        udp: get('sipTrunksPort', 7060),
        tcp: get('sipTrunksPort', 7060),
        tls: get('sipTrunksTlsPort', 7061),
      },
      app: { host: get('sipInternalIp', '127.0.0.1'), port: get('sipAppPort', 6060) },
      edgeInternal: { host: get('sipInternalIp', '127.0.0.1'), port: get('sipEdgeInternalPort', 5069) },
      appNodes: get<Array<{ host: string; port: number }> | null>('sipAppNodes', null),
      edgeNodes: get<Array<{ host: string; port: number }> | null>('sipEdgeNodes', null),
      tls: { cert: optionalPath('sipTlsCert'), key: optionalPath('sipTlsKey') },
      digestAlgorithms: get<Array<'MD5' | 'SHA-256'>>('sipDigestAlgorithms', ['MD5']),
    },
    rtpPorts: get('rtpPorts', { min: 13000, max: 19000 }),
    redisUrl: get<string | null>('redisUrl', null),
    nodeName: get('nodeName', defaultNodeName()),
    edge: {
      udpBufferBytes: get('sipUdpBuffer', 4 * 1024 * 1024),
      natKeepaliveSeconds: get('sipNatKeepalive', 30),
      natUnreachableAfter: get('sipNatUnreachableAfter', 0),
    },
    mediaTimeoutSeconds: get('mediaTimeout', 60),
    media: get<MediaSetting>('media', { kind: 'builtin' }),
    roles: get<Role[]>('roles', [...ROLES]),
    jwtSecret: get<string | null>('jwtSecret', null),
    encryptionKey: get<string | null>('encryptionKey', null),
    demo: get('demo', true),
  };
  const clash = [...portClashes(config), ...tlsPairErrors(config)];
  if (clash.length > 0) return { ok: false, code: 'CONFIG_INVALID', errors: clash };
  return { ok: true, config };
}

/** The host name as a node name (characters outside the node-name alphabet become '-'). */
function defaultNodeName(): string {
  const h = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return h === '' ? 'node' : h;
}

function stripSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

/** A certificate without its key (or the reverse) cannot serve TLS: refuse it rather than fall back to self-signed. */
function tlsPairErrors(c: Config): ConfigError[] {
  const { cert, key } = c.sip.tls;
  if ((cert === null) === (key === null)) return [];
  return cert === null
    ? [{ setting: 'sipTlsCert', source: 'config', message: 'SIP_TLS_KEY is set but SIP_TLS_CERT is not: set both or neither' }]
    : [{ setting: 'sipTlsKey', source: 'config', message: 'SIP_TLS_CERT is set but SIP_TLS_KEY is not: set both or neither' }];
}

/** Two listeners of the same protocol on one non-zero port cannot both bind: report it before binding. */
function portClashes(c: Config): ConfigError[] {
  const tcp: Array<[string, number]> = [
    ['HTTP_PORT', c.http.port],
    ['SIP_USERS_PORT', c.sip.users.tcp],
    ['SIP_USERS_TLS_PORT', c.sip.users.tls],
    ['SIP_USERS_WS_PORT', c.sip.users.ws],
    ['SIP_USERS_WSS_PORT', c.sip.users.wss],
    ['SIP_TRUNKS_PORT', c.sip.trunks.tcp],
    ['SIP_TRUNKS_TLS_PORT', c.sip.trunks.tls],
  ];
  const seen = new Map<number, string>();
  const out: ConfigError[] = [];
  for (const [name, p] of tcp) {
    if (p === 0) continue;
    const other = seen.get(p);
    if (other) out.push({ setting: name, source: 'config', message: `TCP port ${p} is also used by ${other}` });
    else seen.set(p, name);
  }
  return out;
}

/** Text for logs: never contains secrets (DATABASE_URL/REDIS_URL passwords are masked). */
const nodeList = (nodes: Array<{ host: string; port: number }>): string => nodes.map((n) => `${n.host}:${n.port}`).join(',');

export function describeConfig(c: Config): Record<string, string> {
  return {
    DATA_DIR: c.dataDir,
    DATABASE_URL: c.databaseUrl ? maskUrl(c.databaseUrl) : `(embedded PGlite in ${c.dataDir}/pglite)`,
    HTTP: `${c.http.host}:${c.http.port}`,
    PUBLIC_URL: c.publicUrl,
    PUBLIC_IP: c.publicIp,
    SIP_USERS: `udp/tcp ${c.sip.users.udp}, tls ${c.sip.users.tls}, ws ${c.sip.users.ws}, wss ${c.sip.users.wss}`,
    SIP_TLS: c.sip.tls.cert ? `certificate ${c.sip.tls.cert}, key ${c.sip.tls.key ?? ''}` : `self-signed in ${c.dataDir}/tls`,
    SIP_TRUNKS: `udp/tcp ${c.sip.trunks.udp}, tls ${c.sip.trunks.tls}`,
    REDIS_URL: c.redisUrl ? maskUrl(c.redisUrl) : '(none: in-memory)',
    SIP_INTERNAL: `app udp ${c.sip.app.host}:${c.sip.app.port}, edge udp ${c.sip.edgeInternal.host}:${c.sip.edgeInternal.port}`
      + (c.sip.appNodes ? `, app nodes ${nodeList(c.sip.appNodes)}` : '')
      + (c.sip.edgeNodes ? `, edge nodes ${nodeList(c.sip.edgeNodes)}` : ''),
    MEDIA: c.media.kind === 'builtin'
      ? `builtin, RTP ${c.rtpPorts.min}-${c.rtpPorts.max}`
      : `rtpengine ${c.media.relays.map((r) => `${r.host}:${r.port}${r.metric !== 1 ? `@${r.metric}` : ''}`).join(',')}`,
    ROLES: c.roles.join(','),
  };
}

export function maskUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
