// The catalogue of configuration settings: one row per setting with its environment variable, its CLI flag,
// its default and its parser. Everything else in src/config reads this table, so the documentation
// (docs/operators/running.md) and `switchyard help` list exactly what the code accepts.
import { isIP } from 'node:net';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Setting<T> {
  /** key in the resolved Config */
  key: string;
  env: string;
  flag: string;
  /** human description, printed by `switchyard help` */
  help: string;
  /** textual default shown in help; `undefined` means "computed" (see `computedDefault`) */
  defaultText: string;
  parse: (raw: string) => ParseResult<T>;
}

export function port(raw: string): ParseResult<number> {
  if (!/^\d{1,5}$/.test(raw)) return { ok: false, message: `"${raw}" is not a port number` };
  const n = Number(raw);
  // 0 lets the OS choose (tests); 1–65535 are real ports.
  if (n > 65535) return { ok: false, message: `${n} is out of range 0–65535` };
  return { ok: true, value: n };
}

export function text(raw: string): ParseResult<string> {
  const v = raw.trim();
  return v === '' ? { ok: false, message: 'must not be empty' } : { ok: true, value: v };
}

export function host(raw: string): ParseResult<string> {
  const v = raw.trim();
  if (isIP(v) !== 0) return { ok: true, value: v };
  if (/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(v)) {
    return { ok: true, value: v };
  }
  return { ok: false, message: `"${raw}" is neither an IP address nor a host name` };
}

export function ipv4(raw: string): ParseResult<string> {
  const v = raw.trim();
  return isIP(v) === 4 ? { ok: true, value: v } : { ok: false, message: `"${raw}" is not an IPv4 address` };
}

export function urlWithScheme(schemes: readonly string[]) {
  return (raw: string): ParseResult<string> => {
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      return { ok: false, message: `not a URL (expected ${schemes.map((s) => `${s}//…`).join(' or ')})` };
    }
    if (!schemes.includes(u.protocol)) {
      return { ok: false, message: `scheme ${u.protocol} not supported (expected ${schemes.join(' or ')})` };
    }
    return { ok: true, value: raw.trim() };
  };
}

export type MediaSetting = { kind: 'builtin' } | { kind: 'rtpengine'; host: string; port: number };

export function media(raw: string): ParseResult<MediaSetting> {
  const v = raw.trim();
  if (v === 'builtin') return { ok: true, value: { kind: 'builtin' } };
  const m = /^rtpengine:(.+):(\d{1,5})$/.exec(v);
  if (m) {
    const h = host(m[1] ?? '');
    const p = port(m[2] ?? '');
    if (h.ok && p.ok && p.value > 0) return { ok: true, value: { kind: 'rtpengine', host: h.value, port: p.value } };
  }
  return { ok: false, message: `"${raw}" is not "builtin" or "rtpengine:HOST:PORT"` };
}

export const ROLES = ['api', 'edge', 'app', 'billing', 'jobs'] as const;
export type Role = (typeof ROLES)[number];

export function roles(raw: string): ParseResult<Role[]> {
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return { ok: false, message: 'at least one role is required' };
  const out: Role[] = [];
  for (const p of parts) {
    if (!(ROLES as readonly string[]).includes(p)) {
      return { ok: false, message: `unknown role "${p}" (roles: ${ROLES.join(', ')})` };
    }
    if (!out.includes(p as Role)) out.push(p as Role);
  }
  return { ok: true, value: out };
}

export function secret(raw: string): ParseResult<string> {
  // Secrets are base64 of at least 32 random bytes (what `secrets.json` holds).
  const v = raw.trim();
  if (!/^[A-Za-z0-9+/=_-]+$/.test(v) || Buffer.from(v, 'base64').length < 32) {
    return { ok: false, message: 'must be base64 of at least 32 bytes' };
  }
  return { ok: true, value: v };
}

/** Every setting, in the order `help` prints them. */
export const SETTINGS = {
  dataDir: { key: 'dataDir', env: 'DATA_DIR', flag: '--data-dir', defaultText: './data', parse: text,
    help: 'directory for the embedded store (pglite/), secrets.json and other local state' },
  databaseUrl: { key: 'databaseUrl', env: 'DATABASE_URL', flag: '--database-url', defaultText: '(PGlite in DATA_DIR/pglite)',
    parse: urlWithScheme(['postgres:', 'postgresql:']), help: 'PostgreSQL connection URL (production / cluster)' },
  httpHost: { key: 'httpHost', env: 'HTTP_HOST', flag: '--http-host', defaultText: '0.0.0.0', parse: host,
    help: 'address the HTTP server (API, docs, portal) listens on' },
  httpPort: { key: 'httpPort', env: 'HTTP_PORT', flag: '--http-port', defaultText: '8080', parse: port,
    help: 'HTTP port (API, docs, portal)' },
  publicUrl: { key: 'publicUrl', env: 'PUBLIC_URL', flag: '--public-url', defaultText: '(http://localhost:HTTP_PORT)',
    parse: urlWithScheme(['http:', 'https:']), help: 'base URL printed at start and used for the demo portal URLs' },
  publicIp: { key: 'publicIp', env: 'PUBLIC_IP', flag: '--public-ip', defaultText: '(first non-internal IPv4, else 127.0.0.1)',
    parse: ipv4, help: 'public IPv4 of the SIP proxies (users-proxy and proxytrunks addresses, SDP)' },
  sipUsersPort: { key: 'sipUsersPort', env: 'SIP_USERS_PORT', flag: '--sip-users-port', defaultText: '5060', parse: port,
    help: 'users SIP proxy, UDP and TCP' },
  sipUsersTlsPort: { key: 'sipUsersTlsPort', env: 'SIP_USERS_TLS_PORT', flag: '--sip-users-tls-port', defaultText: '5061',
    parse: port, help: 'users SIP proxy, TLS' },
  sipUsersWsPort: { key: 'sipUsersWsPort', env: 'SIP_USERS_WS_PORT', flag: '--sip-users-ws-port', defaultText: '10080',
    parse: port, help: 'users SIP proxy, WebSocket (RFC 7118)' },
  sipUsersWssPort: { key: 'sipUsersWssPort', env: 'SIP_USERS_WSS_PORT', flag: '--sip-users-wss-port', defaultText: '10081',
    parse: port, help: 'users SIP proxy, secure WebSocket' },
  sipTrunksPort: { key: 'sipTrunksPort', env: 'SIP_TRUNKS_PORT', flag: '--sip-trunks-port', defaultText: '7060', parse: port,
    help: 'trunks SIP proxy (carriers, DDI providers), UDP and TCP' },
  sipTrunksTlsPort: { key: 'sipTrunksTlsPort', env: 'SIP_TRUNKS_TLS_PORT', flag: '--sip-trunks-tls-port', defaultText: '7061',
    parse: port, help: 'trunks SIP proxy, TLS' },
  redisUrl: { key: 'redisUrl', env: 'REDIS_URL', flag: '--redis-url', defaultText: '(none: in-memory runtime state)',
    parse: urlWithScheme(['redis:', 'rediss:']), help: 'Redis URL for shared runtime state (cluster)' },
  media: { key: 'media', env: 'MEDIA', flag: '--media', defaultText: 'builtin', parse: media,
    help: 'media engine: builtin, or rtpengine:HOST:PORT (rtpengine NG control socket)' },
  roles: { key: 'roles', env: 'ROLES', flag: '--roles', defaultText: ROLES.join(','), parse: roles,
    help: 'roles this process runs' },
  jwtSecret: { key: 'jwtSecret', env: 'JWT_SECRET', flag: '--jwt-secret', defaultText: '(generated into DATA_DIR/secrets.json)',
    parse: secret, help: 'API token signing key; set the same value on every API node of a cluster' },
  encryptionKey: { key: 'encryptionKey', env: 'ENCRYPTION_KEY', flag: '--encryption-key',
    defaultText: '(generated into DATA_DIR/secrets.json)', parse: secret,
    help: 'at-rest encryption key for SIP passwords; the same on every node of a cluster' },
  demo: { key: 'demo', env: 'DEMO_DATA', flag: '--demo-data', defaultText: 'true',
    parse: (raw: string): ParseResult<boolean> => {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return { ok: true, value: true };
      if (['0', 'false', 'no', 'off'].includes(v)) return { ok: true, value: false };
      return { ok: false, message: `"${raw}" is not a boolean (true/false)` };
    }, help: 'load demo data on the first start of an empty store' },
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;
