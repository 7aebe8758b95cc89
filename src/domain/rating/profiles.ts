// Active rating profile (seed-part1 §1.14, §2.8): only one is active for a client/carrier at a
// time — the one whose activation time is nearest in the past of the call's start. Decisions:
// - exactly at its activation time a profile is already active (activationTime ≤ startedAt);
// - routing tags (ambiguity 4): a tagged call uses the profiles with that tag; if none of them is
//   active yet, it falls back to the untagged profiles; an untagged call never uses tagged ones;
// - two profiles with the same activation time (the store should refuse this): the lowest plan id.
import type { RatingProfile } from './model.ts';

export function activeProfile(
  profiles: readonly RatingProfile[],
  startedAt: number,
  routingTag?: string,
): RatingProfile | undefined {
  if (routingTag !== undefined) {
    const tagged = nearestPast(profiles, startedAt, routingTag);
    if (tagged) return tagged;
  }
  return nearestPast(profiles, startedAt, undefined);
}

function nearestPast(profiles: readonly RatingProfile[], at: number, tag: string | undefined): RatingProfile | undefined {
  let best: RatingProfile | undefined;
  for (const p of profiles) {
    if ((p.routingTag ?? undefined) !== tag || p.activationTime > at) continue;
    if (
      !best ||
      p.activationTime > best.activationTime ||
      (p.activationTime === best.activationTime && p.ratingPlanId < best.ratingPlanId)
    ) {
      best = p;
    }
  }
  return best;
}
