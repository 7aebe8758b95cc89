// The client-type field matrix of seed-part1 §1.4: which client fields exist for vPBX, residential, retail and
// wholesale clients, the per-type defaults, and the per-type rules (own SIP domain, assignable features, god-only
// platform data). Pure: the API's clients resource calls these from its validation hook.
import type { Feature } from './features.ts';

export const CLIENT_TYPES = ['vpbx', 'residential', 'retail', 'wholesale'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const DISTRIBUTE_METHODS = ['hash', 'rr', 'static'] as const;
export type DistributeMethod = (typeof DISTRIBUTE_METHODS)[number];

export const BILLING_METHODS = ['postpaid', 'prepaid', 'pseudoprepaid', 'none'] as const;

/**
 * Fields that exist only for some client types. Fields not listed here are common to all four types
 * (name, type, billing method, currency, language, timezone, max calls, max daily usage, email, invoice data,
 * media relay set, …).
 */
export const TYPE_SPECIFIC_FIELDS: Readonly<Record<string, readonly ClientType[]>> = {
  domain: ['vpbx'], //                           own SIP domain, unique per vPBX (§1.4, §1.5)
  features: ['vpbx', 'residential'],
  corporationId: ['vpbx'],
  countryId: ['residential', 'retail'], //       "Country code": default country code for DDIs
  numericTransformationSetId: ['residential', 'retail', 'wholesale'],
  ipFilter: ['vpbx', 'residential', 'retail'], // "Filter by IP address"
  outgoingDdiId: ['vpbx', 'residential', 'retail'],
  distributeMethod: ['vpbx', 'residential'],
  applicationServerId: ['vpbx'],
  onDemandRecord: ['vpbx'],
  onDemandRecordCode: ['vpbx'],
  allowRecordingRemoval: ['vpbx', 'residential', 'retail'],
  voicemailNotificationTemplateId: ['vpbx', 'residential'],
  faxNotificationTemplateId: ['vpbx', 'residential'],
  callCsvNotificationTemplateId: ['vpbx', 'residential'],
};

/** Client-level features each type may be given (a subset of the brand's features is checked separately). */
export const ASSIGNABLE_FEATURES: Readonly<Record<ClientType, readonly Feature[]>> = {
  vpbx: ['recordings', 'faxes', 'friends', 'conferences', 'queues', 'progress'],
  residential: ['recordings', 'faxes'],
  retail: [],
  wholesale: [],
};

/** Fields given for a client of `type` that do not apply to that type. */
export function inapplicableFields(type: ClientType, given: readonly string[]): string[] {
  return given.filter((f) => {
    const types = TYPE_SPECIFIC_FIELDS[f];
    return types !== undefined && !types.includes(type);
  });
}

/** Per-type defaults applied on create for fields the caller did not give. */
export function clientTypeDefaults(type: ClientType): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  // Hash based distribution is the recommended one (seed-part1 §1.4, L1645).
  if (type === 'vpbx' || type === 'residential') d.distributeMethod = 'hash';
  if (type === 'vpbx' || type === 'residential') d.features = [];
  if (type !== 'wholesale') d.ipFilter = false;
  if (type !== 'wholesale') d.allowRecordingRemoval = false;
  if (type === 'vpbx') d.onDemandRecord = 'disabled';
  return d;
}

export type ClientRuleError = { field: string; code: string; message: string };

/** The cross-field rules of one client (after defaults and merge with the stored row on update). */
export function checkClientRules(c: {
  type: ClientType;
  features?: readonly string[] | null;
  distributeMethod?: string | null;
  applicationServerId?: number | null;
  domain?: string | null;
  onDemandRecord?: string | null;
}): ClientRuleError[] {
  const errs: ClientRuleError[] = [];
  const feats = c.features ?? [];
  const assignable = ASSIGNABLE_FEATURES[c.type] as readonly string[];
  for (const f of feats) {
    if (!assignable.includes(f)) {
      errs.push({ field: '/features', code: 'FEATURE_NOT_ASSIGNABLE', message: `feature '${f}' cannot be given to a ${c.type} client` });
    }
  }
  // Application server only with the static distribute method (seed-part1 §1.4).
  if (c.applicationServerId != null && c.distributeMethod !== 'static') {
    errs.push({ field: '/applicationServerId', code: 'REQUIRES_STATIC_DISTRIBUTION', message: 'an application server can only be set with distributeMethod static' });
  }
  if (c.type === 'vpbx' && c.distributeMethod === 'static' && c.applicationServerId == null) {
    errs.push({ field: '/applicationServerId', code: 'REQUIRED', message: 'distributeMethod static needs an application server' });
  }
  if (c.type === 'vpbx' && (c.domain == null || c.domain === '')) {
    errs.push({ field: '/domain', code: 'REQUIRED', message: 'a vPBX client needs its own SIP domain' });
  }
  // Round robin distribution imposes: no queues, no conferences (seed-part1 §1.4, L1659).
  if (c.distributeMethod === 'rr') {
    for (const f of ['queues', 'conferences']) {
      if (feats.includes(f)) errs.push({ field: '/features', code: 'NOT_WITH_ROUND_ROBIN', message: `feature '${f}' is not available with round robin distribution` });
    }
  }
  if (c.onDemandRecord != null && c.onDemandRecord !== 'disabled' && !feats.includes('recordings')) {
    errs.push({ field: '/onDemandRecord', code: 'REQUIRES_FEATURE', message: 'on-demand recording needs the recordings feature' });
  }
  return errs;
}
