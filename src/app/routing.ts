// Internal call routing (seed-part2 §2.2): the dialled number is looked up among the caller's client extensions;
// an extension routed to a user rings that user's terminal, after the callee's own rules (DND, call waiting,
// seed-part2 §2.3). Friends and external calls come with later issues: anything else is "No route" (coded).
import type { DirectoryTerminal, DirectoryUser, DirectoryExtension, DirectoryClient } from '../store/directory/index.ts';
import { reject, type Rejection } from './errors.ts';
import type { CallerContext } from './headers.ts';

/** The part of the SIP directory the app reads (src/store/directory: in memory, no query per call). */
export interface DirectoryView {
  terminalById(id: number): DirectoryTerminal | undefined;
  user(id: number): DirectoryUser | undefined;
  client(id: number): DirectoryClient | undefined;
  extension(clientId: number, n: string): DirectoryExtension | undefined;
}

export interface Party {
  terminal: DirectoryTerminal;
  user: DirectoryUser | null;
  /** The number shown for this party on internal calls: the user's screen extension, else the terminal name. */
  number: string;
  displayName: string | null;
}

export interface InternalRoute {
  ok: true;
  caller: Party;
  callee: Party & { user: DirectoryUser };
  /** The dialled extension. */
  extension: string;
}

/** The caller as the edge identified it (terminal + user from the X-Sy-Caller header), checked against the directory. */
export function resolveCaller(dir: DirectoryView, ctx: CallerContext): { ok: true; party: Party } | Rejection {
  const terminal = dir.terminalById(ctx.terminalId);
  if (!terminal || terminal.client.id !== ctx.clientId) return reject('UNKNOWN_CALLER');
  const user = terminal.user ?? (ctx.userId !== null ? (dir.user(ctx.userId) ?? null) : null);
  return { ok: true, party: partyOf(terminal, user) };
}

function partyOf(terminal: DirectoryTerminal, user: DirectoryUser | null): Party {
  return { terminal, user, number: user?.screenExtension ?? terminal.name, displayName: user?.displayName ?? null };
}

/** Request-URI user → dialled number: visual separators and a leading `sip:` user part are not digits. */
export function dialledNumber(ruriUser: string | undefined): string {
  return (ruriUser ?? '').replace(/[\s().-]/g, '');
}

/**
 * User → extension → user. `activeCalls(userId)` counts the calls the callee is already handling (call waiting:
 * "limits received calls when already handling this number of calls", 0 = unlimited).
 */
export function routeInternal(
  dir: DirectoryView,
  caller: Party,
  dialled: string,
  activeCalls: (userId: number) => number,
): InternalRoute | Rejection {
  const ext = dir.extension(caller.terminal.client.id, dialled);
  if (!ext) return reject('NO_ROUTE');
  const t = ext.target;
  if (t.type === 'unassigned') return reject('EXTENSION_UNASSIGNED');
  if (t.type === 'number') return reject('EXTERNAL_CALLS_UNAVAILABLE');
  if (t.type !== 'user') return reject('ROUTE_UNSUPPORTED');
  const user = dir.user(t.id);
  if (!user) return reject('USER_NOT_FOUND');
  if (user.terminalId === null) return reject('USER_NO_TERMINAL');
  const terminal = dir.terminalById(user.terminalId);
  if (!terminal) return reject('USER_NO_TERMINAL');
  if (user.doNotDisturb) return reject('DND');
  if (user.callWaitingLimit > 0 && activeCalls(user.id) >= user.callWaitingLimit) return reject('CALL_WAITING_LIMIT');
  return { ok: true, caller, callee: { ...partyOf(terminal, user), user }, extension: dialled };
}
