// Builds and refreshes the directory snapshot from the store. Everything the SIP hot path asks is answered from the
// snapshot's maps (DESIGN.md: never a query per SIP message).
//
// Two ways to a newer snapshot, both one repeatable-read transaction:
// - full (`loadSnapshot`): every brand, client, extension, user and terminal;
// - incremental (`loadDelta` + `applyDelta`): the change log (changes.ts) names the users, terminals and extensions
//   of each version since the snapshot's; only those rows are read again, with what hangs on them: the users whose
//   screen extension is a changed extension, and the terminals linked to a changed user before or after (a terminal
//   entry carries its user). A version logged as `all`, a gap in the log (pruned, or written before the log
//   existed), more than MAX_DELTA_VERSIONS versions, or a log row of the snapshot's own version that is not the
//   one it read (another history: the store was restored or failed over to a replica that lost commits) make it a
//   full load.
// Both go through `applyRows`, the full load onto empty maps: the same rows give the same entries either way.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema/index.ts';
import { fromColumns } from '../../domain/vpbx/route-target.ts';
import type { CallRejectionMethod } from '../../domain/vpbx/call-rejection.ts';
import type { DirectoryClient, DirectoryExtension, DirectoryTerminal, DirectoryUser, DomainEntry } from './types.ts';
import { readDirectoryVersion } from './changes.ts';

export interface Snapshot {
  readonly version: number;
  /** token of this version's change-log row (null: no row, e.g. version 0): the history check of loadDelta */
  readonly token: string | null;
  readonly domains: ReadonlyMap<string, DomainEntry>;
  readonly clients: ReadonlyMap<number, DirectoryClient>;
  /** key: `${domain}\n${name}` */
  readonly terminals: ReadonlyMap<string, DirectoryTerminal>;
  readonly terminalsById: ReadonlyMap<number, DirectoryTerminal>;
  readonly users: ReadonlyMap<number, DirectoryUser>;
  /** key: `${clientId}\n${number}` */
  readonly extensions: ReadonlyMap<string, DirectoryExtension>;
  readonly extensionsById: ReadonlyMap<number, DirectoryExtension>;
  /** user id → id of its screen extension (to refresh the users of a changed extension) */
  readonly screenExtensionIds: ReadonlyMap<number, number>;
  /** terminal id → id of the user it is assigned to */
  readonly userIdByTerminal: ReadonlyMap<number, number>;
}

/** A snapshot's maps while `applyRows` changes them (nobody else holds them then: see `applyDelta`). */
type Mutable<S> = { -readonly [K in keyof S]: S[K] extends ReadonlyMap<infer K2, infer V> ? Map<K2, V> : S[K] };
type MutableSnapshot = Mutable<Snapshot>;

export const terminalKey = (domain: string, name: string): string => `${domain.toLowerCase()}\n${name}`;
export const extensionKey = (clientId: number, n: string): string => `${clientId}\n${n}`;

/** Beyond this many versions since the snapshot, one full load is as cheap as the delta and simpler. */
export const MAX_DELTA_VERSIONS = 200;

export function emptySnapshot(): Snapshot {
  return emptyMaps(-1);
}

function emptyMaps(version: number, token: string | null = null): MutableSnapshot {
  return {
    version,
    token,
    domains: new Map(),
    clients: new Map(),
    terminals: new Map(),
    terminalsById: new Map(),
    users: new Map(),
    extensions: new Map(),
    extensionsById: new Map(),
    screenExtensionIds: new Map(),
    userIdByTerminal: new Map(),
  };
}

// Only what the SIP path reads: every other column (password hashes, e-mail, timestamps) is parsed for nothing.
const USER_COLUMNS = ['id', 'clientId', 'name', 'lastname', 'doNotDisturb', 'callWaitingLimit', 'multiContact', 'rejectMethod',
  'callsFromNonGrantedIps', 'screenExtensionId', 'terminalId', 'languageId', 'timezoneId'] as const;
const TERMINAL_COLUMNS = ['id', 'clientId', 'name', 'ha1Md5', 'ha1Sha256', 'ha1Realm', 'allowedCodecs', 'callerIdUpdateMethod',
  't38Passthrough', 'rtpEncryption'] as const;

type Trx = Transaction<Database>;
const selectExtensions = (trx: Trx) => trx.selectFrom('extensions').selectAll();
const selectUsers = (trx: Trx) => trx.selectFrom('users').select(USER_COLUMNS);
const selectTerminals = (trx: Trx) => trx.selectFrom('terminals').select(TERMINAL_COLUMNS);
type ExtensionRow = Awaited<ReturnType<ReturnType<typeof selectExtensions>['execute']>>[number];
type UserRow = Awaited<ReturnType<ReturnType<typeof selectUsers>['execute']>>[number];
type TerminalRow = Awaited<ReturnType<ReturnType<typeof selectTerminals>['execute']>>[number];

/** Rows read again, and the ids whose entries go first (deleted rows are in `removed` only). */
interface Rows {
  removed: { extensions: Iterable<number>; users: Iterable<number>; terminals: Iterable<number> };
  extensions: ExtensionRow[];
  users: UserRow[];
  terminals: TerminalRow[];
}

/** Loads a complete snapshot (one repeatable-read transaction). */
export async function loadSnapshot(db: Kysely<Database>): Promise<Snapshot> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const version = await readDirectoryVersion(trx);
    const snap = emptyMaps(version, await readToken(trx, version));
    for (const b of await trx.selectFrom('brands').select(['id', 'domain']).where('domain', 'is not', null).execute()) {
      const d = (b.domain as string).toLowerCase();
      snap.domains.set(d, { kind: 'brand', domain: d, brandId: b.id });
    }
    for (const c of await trx.selectFrom('clients').select(['id', 'brandId', 'type', 'name', 'domain']).execute()) {
      const client: DirectoryClient = { id: c.id, brandId: c.brandId, type: c.type, name: c.name, domain: c.domain?.toLowerCase() ?? null };
      snap.clients.set(c.id, client);
      if (client.domain) snap.domains.set(client.domain, { kind: 'client', domain: client.domain, client });
    }
    applyRows(snap, {
      removed: { extensions: [], users: [], terminals: [] },
      extensions: await selectExtensions(trx).execute(),
      users: await selectUsers(trx).execute(),
      terminals: await selectTerminals(trx).execute(),
    });
    return snap;
  });
}

async function readToken(trx: Trx, version: number): Promise<string | null> {
  const row = await trx.selectFrom('vpbxDirectoryChanges').select('token').where('version', '=', version).executeTakeFirst();
  return row ? String(row.token) : null;
}

/** What changed between a snapshot and the store's current version (`loadDelta`). */
export interface Delta {
  readonly from: number;
  readonly version: number;
  readonly token: string | null;
  readonly rows: Rows;
}

/**
 * Reads what changed since `snap` (one repeatable-read transaction), or null when only a full load will do (see the
 * file header). Reads only: `applyDelta` changes the snapshot.
 */
export async function loadDelta(db: Kysely<Database>, snap: Snapshot): Promise<Delta | null> {
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const version = await readDirectoryVersion(trx);
    const from = snap.version;
    if (from < 0 || snap.token === null || version < from || version - from > MAX_DELTA_VERSIONS) return null;
    const log = await trx.selectFrom('vpbxDirectoryChanges').select(['version', 'kind', 'rowId', 'token'])
      .where('version', '>=', from).where('version', '<=', version).orderBy('version').execute();
    // the snapshot's own row first (same history), then one row per version since
    if (log.length !== version - from + 1 || String(log[0]!.token) !== snap.token) return null;
    const ext = new Set<number>();
    const usr = new Set<number>();
    const term = new Set<number>();
    for (const c of log.slice(1)) {
      if (c.kind === 'all' || c.rowId === null) return null;
      (c.kind === 'extension' ? ext : c.kind === 'user' ? usr : term).add(c.rowId);
    }
    const extensions = ext.size > 0 ? await selectExtensions(trx).where('id', 'in', [...ext]).execute() : [];
    for (const [userId, extId] of snap.screenExtensionIds) if (ext.has(extId)) usr.add(userId);
    const users = usr.size > 0 ? await selectUsers(trx).where('id', 'in', [...usr]).execute() : [];
    // a terminal entry carries its user: re-read the terminals a changed user had and has
    for (const id of usr) {
      const before = snap.users.get(id)?.terminalId;
      if (before != null) term.add(before);
    }
    for (const u of users) if (u.terminalId !== null) term.add(u.terminalId);
    const terminals = term.size > 0 ? await selectTerminals(trx).where('id', 'in', [...term]).execute() : [];
    const token = String(log[log.length - 1]!.token);
    return { from, version, token, rows: { removed: { extensions: ext, users: usr, terminals: term }, extensions, users, terminals } };
  });
}

/**
 * Applies a delta to `snap` in place and returns the snapshot at the delta's version (same maps). Synchronous: no
 * lookup runs meanwhile, so none sees half an update. `snap` must be the snapshot the delta was read against.
 */
export function applyDelta(snap: Snapshot, delta: Delta): Snapshot {
  if (snap.version !== delta.from) throw new Error(`directory delta from version ${delta.from} applied to ${snap.version}`);
  const next: MutableSnapshot = { ...(snap as MutableSnapshot), version: delta.version, token: delta.token };
  applyRows(next, delta.rows);
  return next;
}

/**
 * Drops the entries of `rows.removed`, then adds entries for the rows read (in the order extensions, users,
 * terminals: a user shows its screen extension's number, a terminal carries its user). All removals come first,
 * so two rows that swap a key (an extension number, a terminal name) within one delta keep both entries.
 */
function applyRows(snap: MutableSnapshot, rows: Rows): void {
  for (const id of rows.removed.extensions) {
    const old = snap.extensionsById.get(id);
    if (!old) continue;
    snap.extensionsById.delete(id);
    if (snap.extensions.get(extensionKey(old.clientId, old.number)) === old) snap.extensions.delete(extensionKey(old.clientId, old.number));
  }
  for (const id of rows.removed.users) {
    const old = snap.users.get(id);
    if (!old) continue;
    snap.users.delete(id);
    snap.screenExtensionIds.delete(id);
    if (old.terminalId !== null && snap.userIdByTerminal.get(old.terminalId) === id) snap.userIdByTerminal.delete(old.terminalId);
  }
  for (const id of rows.removed.terminals) {
    const old = snap.terminalsById.get(id);
    if (!old) continue;
    snap.terminalsById.delete(id);
    if (snap.terminals.get(terminalKey(old.domain, old.name)) === old) snap.terminals.delete(terminalKey(old.domain, old.name));
  }

  for (const e of rows.extensions) {
    const t = fromColumns(e.routeType, e as unknown as Record<string, number | string | null>);
    // The CHECK constraint makes a bad row impossible; skip rather than break the whole snapshot if one appears.
    if (!t.ok) continue;
    const entry: DirectoryExtension = { id: e.id, clientId: e.clientId, number: e.number, target: t.target };
    snap.extensionsById.set(e.id, entry);
    snap.extensions.set(extensionKey(e.clientId, e.number), entry);
  }
  for (const u of rows.users) {
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
      screenExtension: u.screenExtensionId === null ? null : (snap.extensionsById.get(u.screenExtensionId)?.number ?? null),
      terminalId: u.terminalId,
      languageId: u.languageId,
      timezoneId: u.timezoneId,
    };
    snap.users.set(u.id, user);
    if (u.screenExtensionId !== null) snap.screenExtensionIds.set(u.id, u.screenExtensionId);
    if (u.terminalId !== null) snap.userIdByTerminal.set(u.terminalId, u.id);
  }
  for (const t of rows.terminals) {
    const client = snap.clients.get(t.clientId);
    if (!client?.domain) continue;
    const userId = snap.userIdByTerminal.get(t.id);
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
      user: userId === undefined ? null : (snap.users.get(userId) ?? null),
    };
    snap.terminalsById.set(t.id, entry);
    // HA1 computed for another realm (a domain change not yet re-keyed) would never verify: leave it out.
    if (t.ha1Realm.toLowerCase() === client.domain) snap.terminals.set(terminalKey(client.domain, t.name), entry);
  }
}
