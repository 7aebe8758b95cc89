// RFC 4235 §4.1 dialog states as the active-calls view shows them (seed-part1 §2.16): Trying → "Call Setup",
// Proceeding (100 from middle proxies) → not shown, Early (18x from the final party) → "Ringing",
// Confirmed (2xx) → "In call", Terminated → the row vanishes.
import type { ActiveCallState, CallDisposition } from '../../store/schema/vpbx.ts';

export type DialogEvent = 'invite' | 'trying' | 'early' | 'confirmed' | 'terminated';

/** Next shown state for an event, or null when the row must be removed. Never goes backwards. */
export function nextState(current: ActiveCallState | null, ev: DialogEvent): ActiveCallState | null {
  if (ev === 'terminated') return null;
  const order: ActiveCallState[] = ['trying', 'early', 'confirmed'];
  const wanted: ActiveCallState = ev === 'early' ? 'early' : ev === 'confirmed' ? 'confirmed' : 'trying';
  if (current === null) return wanted;
  return order.indexOf(wanted) > order.indexOf(current) ? wanted : current;
}

export const STATE_LABEL: Record<ActiveCallState, string> = { trying: 'Call Setup', early: 'Ringing', confirmed: 'In call' };

/** How an unanswered call ended, from the final status sent to the caller (and who ended it). */
export function dispositionOf(o: { answered: boolean; cancelled: boolean; status: number }): CallDisposition {
  if (o.answered) return 'answered';
  if (o.cancelled || o.status === 487) return 'cancelled';
  if (o.status === 486 || o.status === 600) return 'busy';
  if (o.status === 603) return 'rejected';
  if (o.status === 408 || o.status === 480) return 'noAnswer';
  return 'failed';
}
