// Mirrors the location service into the `registrations` table (the read-only API resource and the user portal's
// "registration state"). Never on the SIP hot path: changes mark an AoR dirty and one writer flushes the dirty
// AoRs after a short delay, in one transaction of a few multi-row statements: a burst of re-registrations costs
// one row per AoR, not a query per REGISTER. Losing a flush only delays what the portal shows; the location service
// stays the truth for routing.
//
// Cluster (shared location in Redis): every edge hears every change, but only the edge that applied a change
// (origin 'local') writes it, so each change is written once. It writes the AoR's state as Redis has it at write
// time (a later change by another edge is never overwritten by an older one), replaces the AoR's rows whatever
// node wrote them, and sets `node` to the edge that owns each binding's flow. A restarting edge keeps the rows:
// its bindings survive in Redis.
//
// The rows are also how an edge gets its registrations back when they were lost, like Kamailio's usrloc with a
// database: embedded (location in memory) after a restart of the process (`start`); in a cluster after a restart of
// Redis without persistence (the location's onLost). Each edge puts back its own (`node`): the UDP bindings that
// have not expired go back into the location, so phones stay reachable without registering again (the keep-alive
// pings their NAT pinholes again); bindings over TCP, TLS or WebSocket connections (dead with the process, or not
// restorable without their connection) and expired ones lose their rows. What the last flush did not write (up to
// `delayMs` before a crash) is lost: those phones are reachable again at their next REGISTER.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../store/schema/index.ts';
import type { RegistrationsTable } from '../../store/schema/vpbx.ts';
import { formatReceived, parseReceived } from './flow.ts';
import type { Binding, LocationService, RestoredBinding } from './location.ts';

/** AoRs per DELETE and rows per INSERT (the rows travel as one JSON parameter). */
const CHUNK = 1000;

/** A row as json_populate_recordset reads it: snake_case keys, the table's column names. */
interface RegistrationRow {
  client_id: number;
  terminal_id: number;
  user_id: number | null;
  aor: string;
  contact: string;
  expires_at: Date;
  user_agent: string | null;
  received: string;
  call_id: string;
  cseq: number;
  instance_id: string | null;
  node: string;
  registered_at: Date;
  q: number | null;
  updated_at: Date;
}

const COLUMNS = ['client_id', 'terminal_id', 'user_id', 'aor', 'contact', 'expires_at', 'user_agent', 'received', 'call_id', 'cseq',
  'instance_id', 'node', 'registered_at', 'q', 'updated_at'] as const;
// fixed identifiers (never input), so sql.raw is safe here
const INSERT_COLUMNS = sql.raw(COLUMNS.join(', '));
const SELECT_COLUMNS = sql.raw(COLUMNS.map((c) => (c === 'user_id' ? 'u.id' : `v.${c}`)).join(', '));
const UPDATE_COLUMNS = sql.raw(COLUMNS.filter((c) => c !== 'aor' && c !== 'contact').map((c) => `${c} = excluded.${c}`).join(', '));

/**
 * One multi-row upsert (a JSON parameter, like the call recorder's statements). The terminal and client are joined:
 * a binding whose terminal or client was deleted before this write (the operator removed it while the phone was
 * registered) is not written, and a deleted user leaves user_id null. Without that, its row failed the foreign keys,
 * the whole write with it, and every retry the same: the table stopped following registrations for every tenant.
 */
async function upsertRows(db: Kysely<Database>, rows: RegistrationRow[]): Promise<void> {
  await sql`insert into registrations (${INSERT_COLUMNS})
    select ${SELECT_COLUMNS} from json_populate_recordset(null::registrations, ${JSON.stringify(rows)}::json) as v
      join terminals as t on t.id = v.terminal_id and t.client_id = v.client_id
      left join users as u on u.id = v.user_id
    on conflict (aor, contact) do update set ${UPDATE_COLUMNS}`.execute(db);
}

/**
 * A row back as a binding, when it can come back: UDP only (a connection did not survive; its id is not kept) and
 * every field the location needs present.
 */
function bindingOf(r: Omit<Selectable<RegistrationsTable>, 'id' | 'node'>): RestoredBinding | undefined {
  const flow = parseReceived(r.received ?? '');
  if (flow?.transport !== 'UDP' || r.terminalId === null || r.callId === null || r.cseq === null) return undefined;
  const registeredAt = r.registeredAt.getTime();
  return {
    aor: r.aor,
    contact: r.contact,
    key: r.instanceId ?? r.contact,
    expiresAt: r.expiresAt.getTime(),
    q: r.q ?? undefined,
    callId: r.callId,
    cseq: r.cseq,
    flow,
    userAgent: r.userAgent ?? undefined,
    instanceId: r.instanceId ?? undefined,
    registeredAt,
    updatedAt: r.updatedAt?.getTime() ?? registeredAt,
    owner: { clientId: r.clientId, terminalId: r.terminalId, userId: r.userId },
  };
}

export interface MirrorOptions {
  /** this edge node's name (the `node` column) */
  node: string;
  /** coalescing delay (default 1000 ms) */
  delayMs?: number;
  onError?: (err: unknown) => void;
}

export class RegistrationsMirror {
  readonly #db: Kysely<Database>;
  readonly #location: LocationService;
  readonly #o: MirrorOptions;
  readonly #dirty = new Map<string, readonly Binding[]>();
  readonly #unsubscribe: () => void;
  #offLost: () => void = () => undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: Kysely<Database>, location: LocationService, o: MirrorOptions) {
    this.#db = db;
    this.#location = location;
    this.#o = o;
    this.#unsubscribe = location.onChange((aor, bindings, origin) => {
      if (origin === 'local') this.#mark(aor, bindings);
    });
  }

  /**
   * Embedded: puts this node's UDP bindings from its previous run back into the location and deletes the rows of
   * the others (see the file header); shared: arranges the same for when Redis loses the bindings. Call once, after
   * the location is attached to the edge. Returns how many bindings came back.
   */
  async start(): Promise<number> {
    if (this.#location.shared) {
      // the bindings live on in the shared location, and so do their rows; unless Redis loses them
      this.#offLost = this.#location.onLost(async () => {
        await this.#restoreOwn();
      });
      return 0;
    }
    return this.#restoreOwn();
  }

  /**
   * This node's live UDP bindings from the rows back into the location; its other rows go (see the header). The
   * edge serves phones meanwhile: an AoR that changes while this runs (a REGISTER, an unregister) is left as the
   * phone made it, and rows written meanwhile stay.
   */
  async #restoreOwn(): Promise<number> {
    const started = this.#location.now();
    const changed = new Set<string>();
    const stopWatching = this.#location.onChange((aor) => changed.add(aor));
    const restored: RestoredBinding[] = [];
    try {
      const rows = await this.#db
        .selectFrom('registrations')
        .select(['id', 'clientId', 'terminalId', 'userId', 'aor', 'contact', 'expiresAt', 'userAgent', 'received', 'callId', 'cseq', 'instanceId', 'registeredAt', 'q', 'updatedAt'])
        .where('node', '=', this.#o.node)
        .execute();
      const gone: number[] = [];
      for (const r of rows) {
        // written by this run already (its clock is past the start): not ours to judge
        if (r.updatedAt !== null && r.updatedAt.getTime() >= started) continue;
        const b = r.expiresAt.getTime() > started ? bindingOf(r) : undefined;
        if (b) restored.push(b);
        else gone.push(r.id);
      }
      for (let i = 0; i < gone.length; i += CHUNK) {
        await this.#db.deleteFrom('registrations').where('id', 'in', gone.slice(i, i + CHUNK)).execute();
      }
    } finally {
      stopWatching();
    }
    return this.#location.restore(restored.filter((b) => !changed.has(b.aor)));
  }

  /** Writes every dirty AoR now (tests; shutdown). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.#running.then(() => this.#write());
    return this.#running;
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#offLost();
    await this.flush();
    this.#closed = true;
  }

  #mark(aor: string, bindings: readonly Binding[]): void {
    if (this.#closed) return;
    this.#dirty.set(aor, bindings);
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.flush(), this.#o.delayMs ?? 1000);
    this.#timer.unref();
  }

  // One transaction per flush, whatever the number of dirty AoRs: one DELETE of their rows and one multi-row upsert
  // per chunk. A query costs about as much as a REGISTER's whole signalling on an embedded store (PGlite, on its own
  // thread: src/store/pglite-thread.ts), so a write per AoR would double the CPU of each refresh.
  async #write(): Promise<void> {
    if (this.#dirty.size === 0) return;
    const batch = [...this.#dirty];
    this.#dirty.clear();
    const shared = this.#location.shared;
    try {
      // shared: after an outage, Redis may have come back empty; the edges put their bindings back first, else
      // this write would take the empty AoRs for the truth and delete the rows they are put back from
      if (shared) await this.#location.checkLost();
      const current = shared ? await this.#lookupAll(batch.map(([aor]) => aor)) : batch;
      const rows = current.flatMap(([aor, bindings]) => this.#rows(aor, bindings));
      await this.#db.transaction().execute(async (trx) => {
        for (let i = 0; i < current.length; i += CHUNK) {
          const aors = current.slice(i, i + CHUNK).map(([aor]) => aor);
          let del = trx.deleteFrom('registrations').where('aor', 'in', aors);
          if (!shared) del = del.where('node', '=', this.#o.node);
          await del.execute();
        }
        for (let i = 0; i < rows.length; i += CHUNK) await upsertRows(trx, rows.slice(i, i + CHUNK));
      });
    } catch (e) {
      // keep what was not written for the next flush, unless a newer change of the AoR is already waiting
      for (const [aor, bindings] of batch) if (!this.#dirty.has(aor)) this.#dirty.set(aor, bindings);
      this.#o.onError?.(e);
      if (!this.#closed && !this.#timer) {
        this.#timer = setTimeout(() => void this.flush(), this.#o.delayMs ?? 1000);
        this.#timer.unref();
      }
    }
  }

  async #lookupAll(aors: string[]): Promise<Array<[string, readonly Binding[]]>> {
    return Promise.all(aors.map(async (aor): Promise<[string, readonly Binding[]]> => [aor, await this.#location.lookup(aor)]));
  }

  /** The AoR's rows; one per contact (the table's key), the last binding wins when two share a contact. */
  #rows(aor: string, bindings: readonly Binding[]): RegistrationRow[] {
    const byContact = new Map<string, RegistrationRow>();
    for (const b of bindings) {
      byContact.set(b.contact, {
        client_id: b.owner.clientId,
        terminal_id: b.owner.terminalId,
        user_id: b.owner.userId,
        aor,
        contact: b.contact,
        expires_at: new Date(b.expiresAt),
        user_agent: b.userAgent ?? null,
        received: formatReceived(b.flow),
        call_id: b.callId,
        cseq: b.cseq,
        instance_id: b.instanceId ?? null,
        node: b.edge?.id ?? this.#o.node,
        registered_at: new Date(b.registeredAt),
        q: b.q ?? null,
        updated_at: new Date(b.updatedAt),
      });
    }
    return [...byContact.values()];
  }
}
