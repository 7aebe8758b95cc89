// Media relay sets and their relays (seed-part1 §1.32): groups of media relays assignable to clients (and later
// carriers / DDI providers). Each relay has a metric for unequal balancing (metric 2 takes twice the calls of
// metric 1). The address is the relay's control socket — `host:port`, or `udp:host:port` for rtpengine's NG
// protocol — not the address in SDP. Set 0 ("default") is seeded and cannot be removed; while it has no relays,
// calls use the process's own media engine (MEDIA=builtin).
import { Type } from 'typebox';
import { defineResource } from '../registry/registry.ts';
import { isDomainName, isIP } from '../../domain/validation/index.ts';

/** Parses a control socket: `host:port`, `udp:host:port`, `[v6]:port`, `udp:[v6]:port`. Null when invalid. */
export function parseControlSocket(s: string): { transport: 'udp'; host: string; port: number } | null {
  const m = /^(?:udp:)?(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined ? !isIP(host) : !(isIP(host) || isDomainName(host) || host === 'localhost')) return null;
  return { transport: 'udp', host, port };
}

const relaySets = defineResource({
  name: 'mediaRelaySets',
  table: 'mediaRelaySets',
  path: '/media-relay-sets',
  description: 'Groups of media relays assignable to clients',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    name: { schema: Type.String({ minLength: 1, maxLength: 64 }), required: true, filter: ['exact', 'like'], order: true },
    description: { schema: Type.String({ maxLength: 300 }), nullable: true },
  },
  unique: [{ constraint: 'media_relay_sets_name_key', fields: ['name'] }],
  hooks: {
    beforeDelete({ row }) {
      if (row.id === 0) return [{ field: '/id', code: 'DEFAULT_SET', message: 'the default media relay set cannot be removed' }];
    },
  },
});

const relays = defineResource({
  name: 'mediaRelays',
  table: 'mediaRelays',
  path: '/media-relays',
  description: 'Media relays (rtpengine control sockets) and their balancing metric',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'] },
  fields: {
    id: { schema: Type.Integer(), readOnly: true, order: true },
    mediaRelaySetId: { schema: Type.Integer(), required: true, ref: 'mediaRelaySets', filter: ['exact', 'in'], order: true },
    name: { schema: Type.String({ minLength: 1, maxLength: 64 }), required: true, filter: ['exact', 'like'], order: true },
    description: { schema: Type.String({ maxLength: 300 }), nullable: true },
    address: { schema: Type.String({ minLength: 3, maxLength: 300 }), required: true, filter: ['exact', 'like'],
      description: 'control socket: host:port or udp:host:port (rtpengine NG protocol)' },
    metric: { schema: Type.Integer({ minimum: 1, maximum: 1000000 }), order: true,
      description: 'relative share of calls (≥ 1; default 1)' },
  },
  unique: [
    { constraint: 'media_relays_name_key', fields: ['name'] },
    { constraint: 'media_relays_address_key', fields: ['address'] },
  ],
  hooks: {
    validate({ merged }) {
      if (parseControlSocket(String(merged.address ?? '')) === null) {
        return [{ field: '/address', code: 'INVALID_SOCKET', message: 'must be host:port or udp:host:port' }];
      }
    },
  },
});

export default [relaySets, relays];
