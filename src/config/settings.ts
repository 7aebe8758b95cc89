// The catalogue of configuration settings: one row per setting with its environment variable, its CLI flag,
// its default and its parser. Everything else in src/config reads this table, so the documentation
// (docs/operators/running.md) and `switchyard help` list exactly what the code accepts.
import { isIP } from 'node:net';
import { parseMediaSpec } from '../media/config.ts';
import type { RelayAddress } from '../media/rtpengine/relay-set.ts';

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

export type MediaSetting =
  | { kind: 'builtin' }
  | { kind: 'rtpengine'; host: string; port: number; relays: RelayAddress[] };

/** MEDIA: `builtin` or `rtpengine:HOST:PORT[@METRIC][,…]` (src/media/config.ts parseMediaSpec); host/port = first relay. */
export function media(raw: string): ParseResult<MediaSetting> {
  const r = parseMediaSpec(raw);
  if (!r.ok) return { ok: false, message: r.message };
  if (r.value.kind === 'builtin') return { ok: true, value: { kind: 'builtin' } };
  const first = r.value.relays[0]!;
  return { ok: true, value: { kind: 'rtpengine', host: first.host, port: first.port, relays: r.value.relays } };
}

/** An IP literal (v4 or v6) to bind and advertise: not the unspecified address, which other nodes cannot reach. */
export function ip(raw: string): ParseResult<string> {
  const v = raw.trim();
  if (isIP(v) === 0) return { ok: false, message: `"${raw}" is not an IP address` };
  if (v === '0.0.0.0' || /^[0:]+$/.test(v)) return { ok: false, message: `"${raw}" is the unspecified address: give one the other nodes can reach` };
  return { ok: true, value: v };
}

/** `HOST:PORT[,HOST:PORT…]` (IPv6 in brackets): the internal SIP listeners of other nodes. */
export function sipNodes(raw: string): ParseResult<Array<{ host: string; port: number }>> {
  const out: Array<{ host: string; port: number }> = [];
  for (const part of raw.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(part);
    const h = m ? (m[1] ?? m[2] ?? '') : '';
    const p = m ? port(m[3]!) : undefined;
    if (!m || isIP(h) === 0 || !p?.ok || p.value === 0) return { ok: false, message: `"${part}" is not IP:PORT` };
    out.push({ host: h, port: p.value });
  }
  return out.length > 0 ? { ok: true, value: out } : { ok: false, message: 'at least one IP:PORT is required' };
}

/** `MIN-MAX` port range (RTP of the builtin media engine). */
export function portRange(raw: string): ParseResult<{ min: number; max: number }> {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(raw);
  if (!m) return { ok: false, message: `"${raw}" is not MIN-MAX` };
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1024 || max > 65535 || max - min < 3) return { ok: false, message: `"${raw}": range must lie in 1024–65535 and hold at least 4 ports` };
  return { ok: true, value: { min, max } };
}

/** Digest algorithms the users edge challenges with, in order (RFC 8760): MD5 and/or SHA-256. */
export function digestAlgorithms(raw: string): ParseResult<Array<'MD5' | 'SHA-256'>> {
  const out: Array<'MD5' | 'SHA-256'> = [];
  for (const p of raw.split(',').map((x) => x.trim().toUpperCase()).filter((x) => x !== '')) {
    if (p !== 'MD5' && p !== 'SHA-256') return { ok: false, message: `unknown digest algorithm "${p}" (MD5, SHA-256)` };
    if (!out.includes(p)) out.push(p);
  }
  return out.length > 0 ? { ok: true, value: out } : { ok: false, message: 'at least one algorithm is required' };
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

/** A whole number within [min, max]. */
export function integer(min: number, max: number) {
  return (raw: string): ParseResult<number> => {
    const v = raw.trim();
    if (!/^\d{1,12}$/.test(v)) return { ok: false, message: `"${raw}" is not a whole number` };
    const n = Number(v);
    return n < min || n > max ? { ok: false, message: `${n} is out of range ${min}–${max}` } : { ok: true, value: n };
  };
}

/** A node name: what this process is called in the cluster (registrations, active calls, Redis edge registry). */
export function nodeName(raw: string): ParseResult<string> {
  const v = raw.trim();
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v) ? { ok: true, value: v } : { ok: false, message: `"${raw}": letters, digits, . _ - (at most 63)` };
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
  sipTlsCert: { key: 'sipTlsCert', env: 'SIP_TLS_CERT', flag: '--sip-tls-cert',
    defaultText: '(self-signed, generated into DATA_DIR/tls with openssl)', parse: text,
    help: 'PEM certificate (chain) file of the users SIP proxy TLS and WSS listeners; set together with SIP_TLS_KEY' },
  sipTlsKey: { key: 'sipTlsKey', env: 'SIP_TLS_KEY', flag: '--sip-tls-key',
    defaultText: '(self-signed, generated into DATA_DIR/tls with openssl)', parse: text,
    help: 'PEM private key file matching SIP_TLS_CERT' },
  sipTrunksPort: { key: 'sipTrunksPort', env: 'SIP_TRUNKS_PORT', flag: '--sip-trunks-port', defaultText: '7060', parse: port,
    help: 'trunks SIP proxy (carriers, DDI providers), UDP and TCP' },
  sipTrunksTlsPort: { key: 'sipTrunksTlsPort', env: 'SIP_TRUNKS_TLS_PORT', flag: '--sip-trunks-tls-port', defaultText: '7061',
    parse: port, help: 'trunks SIP proxy, TLS' },
  redisUrl: { key: 'redisUrl', env: 'REDIS_URL', flag: '--redis-url', defaultText: '(none: in-memory runtime state)',
    parse: urlWithScheme(['redis:', 'rediss:']), help: 'Redis URL for shared runtime state (cluster)' },
  nodeName: { key: 'nodeName', env: 'NODE_NAME', flag: '--node-name', defaultText: '(the host name)', parse: nodeName,
    help: 'name of this node in a cluster: unique per edge sharing REDIS_URL; shown in registrations and active calls' },
  sipUdpBuffer: { key: 'sipUdpBuffer', env: 'SIP_UDP_BUFFER', flag: '--sip-udp-buffer', defaultText: '4194304',
    parse: integer(0, 1 << 30),
    help: 'receive/send buffer of the users SIP UDP sockets in bytes (0 = OS default); the kernel caps it at net.core.rmem_max' },
  sipNatKeepalive: { key: 'sipNatKeepalive', env: 'SIP_NAT_KEEPALIVE', flag: '--sip-nat-keepalive', defaultText: '30',
    parse: integer(0, 3600), help: 'seconds between keep-alive OPTIONS to phones registered from behind NAT over UDP (0 = off)' },
  sipNatUnreachableAfter: { key: 'sipNatUnreachableAfter', env: 'SIP_NAT_UNREACHABLE_AFTER', flag: '--sip-nat-unreachable-after',
    defaultText: '0', parse: integer(0, 100),
    help: 'remove a NATed registration after this many unanswered keep-alives in a row (0 = never)' },
  mediaTimeout: { key: 'mediaTimeout', env: 'MEDIA_TIMEOUT', flag: '--media-timeout', defaultText: '60', parse: integer(0, 86_400),
    help: 'seconds without RTP from either side after which a call is hung up (both media engines; 0 = never)' },
  media: { key: 'media', env: 'MEDIA', flag: '--media', defaultText: 'builtin', parse: media,
    help: 'media engine: builtin, or rtpengine:HOST:PORT[@METRIC][,HOST:PORT[@METRIC]…] (rtpengine NG control sockets)' },
  rtpPorts: { key: 'rtpPorts', env: 'RTP_PORTS', flag: '--rtp-ports', defaultText: '13000-19000', parse: portRange,
    help: 'UDP port range of the builtin media engine (RTP even, RTCP odd)' },
  sipAppPort: { key: 'sipAppPort', env: 'SIP_APP_PORT', flag: '--sip-app-port', defaultText: '6060', parse: port,
    help: 'application server (B2BUA) internal SIP listener, UDP on SIP_INTERNAL_IP; only edges talk to it' },
  sipInternalIp: { key: 'sipInternalIp', env: 'SIP_INTERNAL_IP', flag: '--sip-internal-ip', defaultText: '127.0.0.1', parse: ip,
    help: 'address of the internal SIP listeners (app and edge-internal ports), bound and advertised; a private address lets nodes on several hosts talk' },
  sipAppNodes: { key: 'sipAppNodes', env: 'SIP_APP_NODES', flag: '--sip-app-nodes', defaultText: "(this process's app, else SIP_INTERNAL_IP:SIP_APP_PORT)",
    parse: sipNodes, help: 'app nodes the users edge sends calls to (hash per client) and trusts, as IP:PORT,…' },
  sipEdgeNodes: { key: 'sipEdgeNodes', env: 'SIP_EDGE_NODES', flag: '--sip-edge-nodes', defaultText: "(this process's edge, else SIP_INTERNAL_IP:SIP_EDGE_INTERNAL_PORT)",
    parse: sipNodes, help: 'users edges (internal listeners) the app sends B legs to (the first answering keep-alive OPTIONS) and takes requests from, as IP:PORT,…' },
  sipDigestAlgorithms: { key: 'sipDigestAlgorithms', env: 'SIP_DIGEST_ALGORITHMS', flag: '--sip-digest-algorithms',
    defaultText: 'MD5', parse: digestAlgorithms,
    help: 'digest challenges of the users edge, e.g. MD5 or SHA-256,MD5 (libre/baresip phones fail on any SHA-256 challenge)' },
  sipEdgeInternalPort: { key: 'sipEdgeInternalPort', env: 'SIP_EDGE_INTERNAL_PORT', flag: '--sip-edge-internal-port',
    defaultText: '5069', parse: port, help: 'users edge internal SIP listener for app nodes, UDP on SIP_INTERNAL_IP' },
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
