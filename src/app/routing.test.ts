import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryClient, DirectoryExtension, DirectoryTerminal, DirectoryUser } from '../store/directory/index.ts';
import { dialledNumber, resolveCaller, routeInternal, type DirectoryView } from './routing.ts';

const client: DirectoryClient = { id: 1, brandId: 1, type: 'vpbx', name: 'C', domain: 'pbx.example.com' };
const other: DirectoryClient = { id: 2, brandId: 1, type: 'vpbx', name: 'D', domain: 'd.example.com' };

function user(id: number, over: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id, clientId: 1, name: `U${id}`, lastname: null, displayName: `U${id}`, doNotDisturb: false, callWaitingLimit: 0,
    multiContact: true, rejectMethod: 'default', callsFromNonGrantedIps: 0, screenExtension: `10${id}`, terminalId: id,
    languageId: null, timezoneId: null, ...over,
  };
}
function terminal(id: number, u: DirectoryUser | null, c = client): DirectoryTerminal {
  return { id, client: c, name: `t${id}`, domain: c.domain!, ha1Md5: '', ha1Sha256: '', allowedCodecs: ['PCMU'], callerIdUpdateMethod: 'INVITE', t38Passthrough: false, rtpEncryption: false, user: u };
}

function dir(users: DirectoryUser[], exts: DirectoryExtension[], terms: DirectoryTerminal[]): DirectoryView {
  return {
    terminalById: (id) => terms.find((t) => t.id === id),
    user: (id) => users.find((u) => u.id === id),
    client: (id) => [client, other].find((c) => c.id === id),
    extension: (c, n) => exts.find((e) => e.clientId === c && e.number === n),
  };
}

const alice = user(1, { displayName: 'Alice Smith' });
const bob = user(2);
const world = (b = bob) =>
  dir([alice, b], [
    { id: 1, clientId: 1, number: '101', target: { type: 'user', id: 1 } },
    { id: 2, clientId: 1, number: '102', target: { type: 'user', id: 2 } },
    { id: 3, clientId: 1, number: '150', target: { type: 'unassigned' } },
    { id: 4, clientId: 1, number: '160', target: { type: 'number', number: '+34944048184' } },
    { id: 5, clientId: 2, number: '103', target: { type: 'user', id: 2 } },
  ], [terminal(1, alice), terminal(2, b), terminal(9, null, other)]);
const ctx = { brandId: 1, clientId: 1, terminalId: 1, userId: 1, source: null, kind: 'internal-origin' };

test('caller: terminal of the client named by the edge; number = screen extension, name = display name', () => {
  const r = resolveCaller(world(), ctx);
  assert.ok(r.ok);
  assert.equal(r.party.number, '101');
  assert.equal(r.party.displayName, 'Alice Smith');
  const foreign = resolveCaller(world(), { ...ctx, terminalId: 9 });
  assert.deepEqual(foreign, { ok: false, code: 'UNKNOWN_CALLER', status: 403, reason: 'Unknown Caller' });
});

test('user → extension → user; the other outcomes are coded rejections', () => {
  const d = world();
  const caller = (resolveCaller(d, ctx) as { ok: true; party: never }).party;
  const r = routeInternal(d, caller, '102', () => 0);
  assert.ok(r.ok);
  assert.equal(r.callee.terminal.name, 't2');
  assert.equal(r.extension, '102');
  const code = (n: string) => { const x = routeInternal(d, caller, n, () => 0); return x.ok ? 'ok' : `${x.code} ${x.status} ${x.reason}`; };
  assert.equal(code('150'), 'EXTENSION_UNASSIGNED 404 Extension not assigned');
  assert.equal(code('999'), 'NO_ROUTE 404 No route');
  assert.equal(code('103'), 'NO_ROUTE 404 No route', "another client's extension is not ours");
  assert.equal(code('160'), 'EXTERNAL_CALLS_UNAVAILABLE 403 External calls not available', 'extension → number waits for external calls');
});

test('callee DND → 486; call waiting limit counts calls the callee handles (0 = unlimited)', () => {
  const caller = (resolveCaller(world(), ctx) as { ok: true; party: never }).party;
  const dnd = routeInternal(world(user(2, { doNotDisturb: true })), caller, '102', () => 0);
  assert.ok(!dnd.ok && dnd.code === 'DND' && dnd.status === 486);
  const limited = world(user(2, { callWaitingLimit: 1 }));
  assert.ok(routeInternal(limited, caller, '102', () => 0).ok);
  const busy = routeInternal(limited, caller, '102', () => 1);
  assert.ok(!busy.ok && busy.code === 'CALL_WAITING_LIMIT' && busy.status === 486);
  assert.ok(routeInternal(world(), caller, '102', () => 50).ok, '0 = unlimited');
  const noTerminal = routeInternal(world(user(2, { terminalId: null })), caller, '102', () => 0);
  assert.ok(!noTerminal.ok && noTerminal.code === 'USER_NO_TERMINAL');
});

test('dialled number drops visual separators', () => {
  assert.equal(dialledNumber('1-0 2'), '102');
  assert.equal(dialledNumber(undefined), '');
});
