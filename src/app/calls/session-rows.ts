// The rows an internal call leaves in the store, built from its route (plain values, no I/O): one active-calls row
// and one call-registry row per involved endpoint — outbound for the caller, inbound for the callee (seed-part2
// §1.27 "one row per involved entity", §3 S33).
import type { CallDisposition } from '../../store/schema/vpbx.ts';
import type { InternalRoute } from '../routing.ts';
import type { ActiveRow, RegistryRow } from './recorder.ts';

type Direction = 'inbound' | 'outbound';

function sides(route: InternalRoute, direction: Direction) {
  return direction === 'outbound' ? { me: route.caller, them: route.callee } : { me: route.callee, them: route.caller };
}

export function activeRow(route: InternalRoute, brandId: number, callId: string, direction: Direction, startedAt: Date): ActiveRow {
  const { me, them } = sides(route, direction);
  return {
    brandId,
    clientId: me.terminal.client.id,
    userId: me.user?.id ?? null,
    callId,
    direction,
    ownerType: 'user',
    ownerId: me.user?.id ?? null,
    ownerName: me.number,
    party: them.number,
    caller: route.caller.number,
    callee: route.extension,
    startedAt,
  };
}

export interface FinishedCall {
  route: InternalRoute;
  brandId: number;
  callId: string;
  startedAt: Date;
  answeredAt: Date | undefined;
  endedAt: Date;
  disposition: CallDisposition;
  /** false when the call ended before a B leg was sent: only the caller's row is written */
  calleeReached: boolean;
}

export function registryRows(f: FinishedCall): RegistryRow[] {
  // Seconds from answer to hang-up (0 when not answered).
  const duration = f.answeredAt ? Math.max(0, Math.round((f.endedAt.getTime() - f.answeredAt.getTime()) / 1000)) : 0;
  const row = (direction: Direction): RegistryRow => {
    const { me } = sides(f.route, direction);
    return {
      brandId: f.brandId,
      clientId: me.terminal.client.id,
      userId: me.user?.id ?? null,
      callId: f.callId,
      startTime: f.startedAt,
      duration,
      caller: f.route.caller.number,
      callee: f.route.extension,
      direction,
      disposition: f.disposition,
      endpointType: me.user ? 'user' : null,
      endpointId: me.user?.id ?? null,
      endpointName: me.user ? me.number : null,
    };
  };
  return f.calleeReached ? [row('outbound'), row('inbound')] : [row('outbound')];
}
