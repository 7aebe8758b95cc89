// Platform infrastructure and service-code tables (migration 0003_infrastructure): the SIP proxies' addresses,
// media relay sets, application servers, service codes at three levels, notification templates and the
// read-only SIP domains view. Columns are camelCase here, snake_case in SQL (CamelCasePlugin).
import type { ColumnType, Generated } from 'kysely';

/** Users SIP proxy: a single row (id 1) holding the address phones register to (seed-part1 §1.32). */
export interface ProxyUsersTable {
  id: ColumnType<number, never, never>;
  name: string;
  /** IP address (or host name) of the users proxy; also "the DNS trick" domain of the first client */
  ip: string;
}

/** ProxyTrunks addresses: the main `proxytrunks` entry plus additional IPs (seed-part1 §1.32). */
export interface ProxyTrunksTable {
  id: Generated<number>;
  name: string;
  ip: string;
  /** true only for the main `proxytrunks` entry, which cannot be removed */
  isMain: ColumnType<boolean, never, never>;
}

/** Brand ↔ ProxyTrunks address assignment; every brand has at least one (seed-part1 §1.1). */
export interface BrandProxyTrunksTable {
  id: Generated<number>;
  brandId: number;
  proxyTrunkId: number;
}

export interface MediaRelaySetsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
}

export interface MediaRelaysTable {
  id: Generated<number>;
  mediaRelaySetId: number;
  name: string;
  description: string | null;
  /** control socket, `host:port` or `udp:host:port` (rtpengine NG protocol) */
  address: string;
  /** ≥ 1; a relay with metric 2 takes twice the calls of a relay with metric 1 */
  metric: ColumnType<number, number | undefined, number>;
}

/** Application servers (B2BUA nodes); port 6060 is implied (seed-part1 §1.32). */
export interface ApplicationServersTable {
  id: Generated<number>;
  name: string;
  ip: string;
}

export const SERVICE_IDENS = [
  'directPickup', 'groupPickup', 'checkVoicemail', 'recordLocution', 'openLock', 'closeLock', 'toggleLock',
  'callForwardUnconditional', 'callForwardBusy', 'callForwardNoAnswer', 'callForwardUnreachable',
] as const;
export type ServiceIden = (typeof SERVICE_IDENS)[number];

/** Platform service catalogue with the default codes copied to new brands (seed-part1 §1.16). */
export interface ServicesTable {
  id: Generated<number>;
  iden: ColumnType<ServiceIden, never, never>;
  name: ColumnType<string, never, never>;
  description: ColumnType<string, never, never>;
  defaultCode: string;
  /** the code may be followed by an argument (extension, lock id, number) */
  extraArgs: ColumnType<boolean, never, never>;
  /** brand-level only: residential call-forward codes are shared by all residential clients of a brand */
  brandOnly: ColumnType<boolean, never, never>;
}

export interface BrandServicesTable {
  id: Generated<number>;
  brandId: number;
  serviceId: number;
  code: string;
}

export interface ClientServicesTable {
  id: Generated<number>;
  clientId: number;
  serviceId: number;
  code: string;
}

export const NOTIFICATION_TYPES = ['voicemail', 'fax', 'lowbalance', 'invoice', 'callcsv', 'maxdailyusage'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Minimal notification templates (contents come later); brandId null = platform default. */
export interface NotificationTemplatesTable {
  id: Generated<number>;
  brandId: number | null;
  name: string;
  type: NotificationType;
}

/** Read-only view: every brand SIP domain and every vPBX client domain (seed-part1 §1.5). */
export interface SipDomainsView {
  id: ColumnType<number, never, never>;
  domain: ColumnType<string, never, never>;
  brandId: ColumnType<number, never, never>;
  clientId: ColumnType<number | null, never, never>;
}

export interface InfrastructureTables {
  proxyUsers: ProxyUsersTable;
  proxyTrunks: ProxyTrunksTable;
  brandProxyTrunks: BrandProxyTrunksTable;
  mediaRelaySets: MediaRelaySetsTable;
  mediaRelays: MediaRelaysTable;
  applicationServers: ApplicationServersTable;
  services: ServicesTable;
  brandServices: BrandServicesTable;
  clientServices: ClientServicesTable;
  notificationTemplates: NotificationTemplatesTable;
  sipDomains: SipDomainsView;
}

/** Service code: 1–5 characters of digits, `*` and `#` (also a CHECK constraint in SQL). */
export const SERVICE_CODE_PATTERN = '^[0-9*#]{1,5}$';
