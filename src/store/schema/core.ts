// Core tenant model (migration 0002_core): brands, administrators and their privileges, clients, corporations,
// authorized sources, portal URLs, the audit log and auth sessions. Owned by the API module (src/api).
// Columns are camelCase here, snake_case in SQL (CamelCasePlugin). Money: integer 1/10000 units. Time: UTC.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface BrandsTable {
  id: Generated<number>;
  name: string;
  /** Tax identification number printed on the brand's invoices. */
  tin: string | null;
  /** Logo as a data URL (`data:image/png;base64,…`) until a file store exists. */
  logo: string | null;
  invoicePostalAddress: string | null;
  invoicePostalCode: string | null;
  invoiceTown: string | null;
  invoiceProvince: string | null;
  invoiceCountryId: number | null;
  invoiceRegistryData: string | null;
  /** Brand SIP domain shared by retail and residential clients; unique across the platform (lower case). */
  domain: string | null;
  recordingsLimitMb: Generated<number>;
  recordingsLimitEmail: string | null;
  /** Feature names from the catalogue in src/domain/tenancy/features.ts. */
  features: Generated<string[]>;
  /** 0 = unlimited. */
  maxCalls: Generated<number>;
  defaultTimezoneId: number;
  languageId: number;
  currencyId: number;
  voicemailNotificationTemplateId: number | null;
  faxNotificationTemplateId: number | null;
  invoiceNotificationTemplateId: number | null;
  callCsvNotificationTemplateId: number | null;
  maxDailyUsageNotificationTemplateId: number | null;
  createdAt: CreatedAt;
}

export type AdminLevel = 'platform' | 'brand' | 'client';

export interface AdministratorsTable {
  id: Generated<number>;
  level: AdminLevel;
  username: string;
  /** scrypt hash string from src/api/auth/passwords.ts; never returned by the API. */
  passwordHash: string;
  name: string | null;
  lastname: string | null;
  email: string | null;
  timezoneId: number | null;
  active: Generated<boolean>;
  restricted: Generated<boolean>;
  /** null for platform administrators; set for brand and client administrators. */
  brandId: number | null;
  /** set for client administrators only. */
  clientId: number | null;
  createdAt: CreatedAt;
}

export interface AdministratorPrivilegesTable {
  id: Generated<number>;
  administratorId: number;
  /** API resource name (`clients`, `brands`, …). */
  resource: string;
  canCreate: Generated<boolean>;
  canRead: Generated<boolean>;
  canUpdate: Generated<boolean>;
  canDelete: Generated<boolean>;
}

export type ClientTypeColumn = 'vpbx' | 'residential' | 'retail' | 'wholesale';

export interface ClientsTable {
  id: Generated<number>;
  brandId: number;
  type: ClientTypeColumn;
  name: string;
  /** own SIP domain (vPBX only), unique across the platform (lower case). */
  domain: string | null;
  features: Generated<string[]>;
  billingMethod: Generated<'postpaid' | 'prepaid' | 'pseudoprepaid' | 'none'>;
  corporationId: number | null;
  languageId: number;
  defaultTimezoneId: number;
  currencyId: number;
  countryId: number | null;
  numericTransformationSetId: number | null;
  maxCalls: Generated<number>;
  /** money, 1/10000 of the client currency; null = no limit. */
  maxDailyUsage: number | null;
  email: string | null;
  ipFilter: Generated<boolean>;
  outgoingDdiId: number | null;
  tin: string | null;
  postalAddress: string | null;
  postalCode: string | null;
  town: string | null;
  province: string | null;
  invoiceCountryId: number | null;
  registryData: string | null;
  displayBillingDetails: Generated<boolean>;
  mediaRelaySetId: number | null;
  distributeMethod: 'hash' | 'rr' | 'static' | null;
  applicationServerId: number | null;
  onDemandRecord: 'disabled' | 'dtmf' | 'sipinfo' | null;
  onDemandRecordCode: string | null;
  allowRecordingRemoval: Generated<boolean>;
  voicemailNotificationTemplateId: number | null;
  faxNotificationTemplateId: number | null;
  invoiceNotificationTemplateId: number | null;
  callCsvNotificationTemplateId: number | null;
  maxDailyUsageNotificationTemplateId: number | null;
  createdAt: CreatedAt;
}

export interface CorporationsTable {
  id: Generated<number>;
  brandId: number;
  name: string;
  description: string | null;
}

export interface AuthorizedSourcesTable {
  id: Generated<number>;
  clientId: number;
  /** IPv4/IPv6 address or CIDR network. */
  ip: string;
  description: string | null;
}

export type PortalKind = 'platform' | 'brand' | 'client' | 'user';

export interface PortalUrlsTable {
  id: Generated<number>;
  kind: PortalKind;
  /** https://host[:port][/path], no trailing slash; unique. */
  url: string;
  brandId: number | null;
  clientId: number | null;
  name: string | null;
  logo: string | null;
  theme: string | null;
  title: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  level: string;
  adminId: number | null;
  username: string | null;
  /** emulation chain, outermost actor first: [{ adminId, level, username }] */
  chain: JSONColumnType<unknown[]>;
  brandId: number | null;
  clientId: number | null;
  resource: string;
  rowId: string | null;
  action: string;
  before: JSONColumnType<Record<string, unknown> | null>;
  after: JSONColumnType<Record<string, unknown> | null>;
}

export interface AuthSessionsTable {
  id: string;
  adminId: number | null;
  userId: number | null;
  level: string;
  /** the caller context the session's tokens carry (ids, emulation chain). */
  context: JSONColumnType<Record<string, unknown>>;
  createdAt: CreatedAt;
  expiresAt: Timestamp;
  revokedAt: Timestamp | null;
}

export interface RefreshTokensTable {
  /** SHA-256 of the opaque token (hex): the token itself is never stored. */
  tokenHash: string;
  sessionId: string;
  expiresAt: Timestamp;
  usedAt: Timestamp | null;
}

export interface CoreTables {
  brands: BrandsTable;
  administrators: AdministratorsTable;
  administratorPrivileges: AdministratorPrivilegesTable;
  clients: ClientsTable;
  corporations: CorporationsTable;
  authorizedSources: AuthorizedSourcesTable;
  portalUrls: PortalUrlsTable;
  auditLog: AuditLogTable;
  authSessions: AuthSessionsTable;
  refreshTokens: RefreshTokensTable;
}
