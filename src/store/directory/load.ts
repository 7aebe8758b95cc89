// Builds one directory snapshot from the store: a handful of queries, then plain maps. Everything the SIP hot path
// asks is answered from these maps (DESIGN.md: never a query per SIP message).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema/index.ts';
import { fromColumns } from '../../domain/vpbx/route-target.ts';
import type { CallRejectionMethod } from '../../domain/vpbx/call-rejection.ts';
import type { DirectoryClient, DirectoryExtension, DirectoryTerminal, DirectoryUser, DomainEntry } from './types.ts';
import { readDirectoryVersion } from './changes.ts';

export interface Snapshot {
  readonly version: number;
  readonly domains: ReadonlyMap<string, DomainEntry>;
  readonly clients: ReadonlyMap<number, DirectoryClient>;
  /** key: `${domain}\n${name}` */
  readonly terminals: ReadonlyMap<string, DirectoryTerminal>;
  readonly terminalsById: ReadonlyMap<number, DirectoryTerminal>;
  readonly users: ReadonlyMap<number, DirectoryUser>;
  /** key: `${clientId}\n${number}` */
  readonly extensions: ReadonlyMap<string, DirectoryExtension>;
}

export const terminalKey = (domain: string, name: string): string => `${domain.toLowerCase()}\n${name}`;
export const extensionKey = (clientId: number, n: string): string => `${clientId}\n${n}`;

export function emptySnapshot(): Snapshot {
  return { version: -1, domains: new Map(), clients: new Map(), terminals: new Map(), terminalsById: new Map(), users: new Map(), extensions: new Map() };
}

/** Loads a consistent snapshot (one repeatable-read transaction). */
export async function loadSnapshot(db: Kysely<Database>): Promise<Snapshot> {
  return db.transaction().setIsolationLevel('repeatable read').execute((trx) => readAll(trx));
}

async function readAll(trx: Transaction<Database>): Promise<Snapshot> {
  const version = await readDirectoryVersion(trx);
  const domains = new Map<string, DomainEntry>();
  const clients = new Map<number, DirectoryClient>();

  for (const b of await trx.selectFrom('brands').select(['id', 'domain']).where('domain', 'is not', null).execute()) {
    const d = (b.domain as string).toLowerCase();
    domains.set(d, { kind: 'brand', domain: d, brandId: b.id });
  }
  for (const c of await trx.selectFrom('clients').select(['id', 'brandId', 'type', 'name', 'domain']).execute()) {
    const client: DirectoryClient = { id: c.id, brandId: c.brandId, type: c.type, name: c.name, domain: c.domain?.toLowerCase() ?? null };
    clients.set(c.id, client);
    if (client.domain) domains.set(client.domain, { kind: 'client', domain: client.domain, client });
  }

  const extRows = await trx.selectFrom('extensions').selectAll().execute();
  const extensions = new Map<string, DirectoryExtension>();
  const extNumberById = new Map<number, string>();
  for (const e of extRows) {
    extNumberById.set(e.id, e.number);
    const t = fromColumns(e.routeType, e as unknown as Record<string, number | string | null>);
    // The CHECK constraint makes a bad row impossible; skip rather than break the whole snapshot if one appears.
    if (!t.ok) continue;
    extensions.set(extensionKey(e.clientId, e.number), { id: e.id, clientId: e.clientId, number: e.number, target: t.target });
  }

  const users = new Map<number, DirectoryUser>();
  const userByTerminal = new Map<number, DirectoryUser>();
  const userRows = await trx
    .selectFrom('users')
    // only what the SIP path reads: every other column (password hash, e-mail, timestamps) is parsed for nothing
    .select(['id', 'clientId', 'name', 'lastname', 'doNotDisturb', 'callWaitingLimit', 'multiContact', 'rejectMethod', 'callsFromNonGrantedIps',
      'screenExtensionId', 'terminalId', 'languageId', 'timezoneId'])
    .execute();
  for (const u of userRows) {
    const user: DirectoryUser = {
      id: u.id,
      clientId: u.clientId,
      name: u.name,
      lastname: u.lastname,
      displayName: u.lastname ? `${u.name} ${u.lastname}` : u.name,
      doNotDisturb: u.doNotDisturb,
      callWaitingLimit: u.callWaitingLimit,
      multiContact: u.multiContact,
      rejectMethod: u.rejectMethod as CallRejectionMethod,
      callsFromNonGrantedIps: u.callsFromNonGrantedIps,
      screenExtension: u.screenExtensionId === null ? null : (extNumberById.get(u.screenExtensionId) ?? null),
      terminalId: u.terminalId,
      languageId: u.languageId,
      timezoneId: u.timezoneId,
    };
    users.set(u.id, user);
    if (u.terminalId !== null) userByTerminal.set(u.terminalId, user);
  }

  const terminals = new Map<string, DirectoryTerminal>();
  const terminalsById = new Map<number, DirectoryTerminal>();
  const termRows = await trx
    .selectFrom('terminals')
    .select(['id', 'clientId', 'name', 'ha1Md5', 'ha1Sha256', 'ha1Realm', 'allowedCodecs', 'callerIdUpdateMethod', 't38Passthrough', 'rtpEncryption'])
    .execute();
  for (const t of termRows) {
    const client = clients.get(t.clientId);
    if (!client?.domain) continue;
    const entry: DirectoryTerminal = {
      id: t.id,
      client,
      name: t.name,
      domain: client.domain,
      ha1Md5: t.ha1Md5,
      ha1Sha256: t.ha1Sha256,
      allowedCodecs: t.allowedCodecs,
      callerIdUpdateMethod: t.callerIdUpdateMethod,
      t38Passthrough: t.t38Passthrough,
      rtpEncryption: t.rtpEncryption,
      user: userByTerminal.get(t.id) ?? null,
    };
    terminalsById.set(t.id, entry);
    // HA1 computed for another realm (a domain change not yet re-keyed) would never verify: leave it out.
    if (t.ha1Realm.toLowerCase() === client.domain) terminals.set(terminalKey(client.domain, t.name), entry);
  }
  return { version, domains, clients, terminals, terminalsById, users, extensions };
}
