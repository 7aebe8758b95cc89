// vPBX tables (migration 0005_vpbx): terminals, users, extensions, and the runtime views the SIP side writes
// (registrations, active calls, call registry), plus the directory version the in-memory SIP directory watches.
// Owned by the vPBX module (src/api/resources/{users,terminals,extensions,…}.ts, src/store/directory).
// Columns are camelCase here, snake_case in SQL (CamelCasePlugin). Time: UTC.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TerminalsTable {
  id: Generated<number>;
  clientId: number;
  /** The client's brand (copied on create; clients never change brand): MAC addresses are unique per brand. */
  brandId: number;
  /** SIP username; unique per client (= per vPBX SIP domain). */
  name: string;
  /** AES-256-GCM envelope of the SIP password (src/store/secrets). Never returned by the API. */
  passwordEnc: string;
  /** HA1 = MD5(name:domain:password) / SHA-256(…), precomputed for digest auth (RFC 7616 §3.4.2). */
  ha1Md5: string;
  ha1Sha256: string;
  /** The realm (client SIP domain) the HA1 values were computed for; they are recomputed when it changes. */
  ha1Realm: string;
  /** Ordered codec names from src/domain/vpbx/codecs.ts. */
  allowedCodecs: Generated<string[]>;
  callerIdUpdateMethod: Generated<'INVITE' | 'UPDATE'>;
  /** Terminal model for provisioning; null = generic (no provisioning). */
  terminalModelId: number | null;
  /** 12 lower-case hex digits, or null. */
  mac: string | null;
  t38Passthrough: Generated<boolean>;
  rtpEncryption: Generated<boolean>;
  createdAt: CreatedAt;
}

export interface UsersTable {
  id: Generated<number>;
  clientId: number;
  name: string;
  lastname: string | null;
  /** Portal login and voicemail address; unique across the platform (stored lower-case). */
  email: string;
  languageId: number | null;
  timezoneId: number | null;
  numericTransformationSetId: number | null;
  locationId: number | null;
  /** Grants user-portal access. */
  active: Generated<boolean>;
  /** scrypt hash (src/api/auth/passwords.ts); null = no portal password yet. */
  passwordHash: string | null;
  qrCode: Generated<boolean>;
  /** One user per terminal. */
  terminalId: number | null;
  /** The extension presented on internal calls. */
  screenExtensionId: number | null;
  outgoingDdiId: number | null;
  outgoingDdiRuleId: number | null;
  callAclId: number | null;
  doNotDisturb: Generated<boolean>;
  /** 0 = unlimited. */
  callWaitingLimit: Generated<number>;
  /** Concurrent outgoing calls allowed from IPs outside the client's authorized sources; 0 = "None". */
  callsFromNonGrantedIps: Generated<number>;
  multiContact: Generated<boolean>;
  rejectMethod: Generated<'default' | 'reject-all' | 'reject-current'>;
  isBoss: Generated<boolean>;
  bossAssistantId: number | null;
  /** Match list of origins allowed to call the boss directly (match lists arrive later). */
  bossWhitelistId: number | null;
  createdAt: CreatedAt;
}

export interface ExtensionsTable {
  id: Generated<number>;
  clientId: number;
  number: string;
  routeType: Generated<string>;
  userId: number | null;
  ivrId: number | null;
  huntGroupId: number | null;
  friendId: number | null;
  queueId: number | null;
  conditionalRouteId: number | null;
  conferenceRoomId: number | null;
  voicemailId: number | null;
  /** External number (E.164) for routeType 'number'. */
  numberValue: string | null;
  createdAt: CreatedAt;
}

export interface RegistrationsTable {
  id: Generated<number>;
  clientId: number;
  terminalId: number | null;
  userId: number | null;
  /** Address of record, `sip:name@domain`. */
  aor: string;
  /** Contact URI as registered (RFC 3261 §10.2.1). */
  contact: string;
  expiresAt: Timestamp;
  userAgent: string | null;
  /** Where the REGISTER came from: `transport:ip:port`. */
  received: string | null;
  callId: string | null;
  cseq: number | null;
  /** RFC 5626 instance id, when the device sends one. */
  instanceId: string | null;
  /** The edge node holding the flow. */
  node: string | null;
  registeredAt: DefaultedTimestamp;
  /** Contact q-value (RFC 3261 §20.10), when given. */
  q: number | null;
  /** Last REGISTER that refreshed the binding (null in rows older than migration 0009). */
  updatedAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export type ActiveCallState = 'trying' | 'early' | 'confirmed';
export type EndpointType = 'user' | 'friend' | 'fax' | 'retailAccount' | 'residentialDevice' | 'wholesale';

export interface ActiveCallsTable {
  id: Generated<number>;
  brandId: number;
  clientId: number;
  userId: number | null;
  callId: string;
  direction: 'inbound' | 'outbound';
  /** RFC 4235 §4.1 dialog state: trying = "Call Setup", early = "Ringing", confirmed = "In call". */
  state: ActiveCallState;
  ownerType: EndpointType;
  ownerId: number | null;
  ownerName: string | null;
  party: string | null;
  caller: string | null;
  callee: string | null;
  startedAt: DefaultedTimestamp;
  answeredAt: Date | null;
  node: string | null;
}

export type CallDisposition = 'answered' | 'busy' | 'noAnswer' | 'rejected' | 'failed' | 'cancelled';

export interface CallRegistryTable {
  id: Generated<number>;
  brandId: number;
  clientId: number;
  userId: number | null;
  callId: string;
  startTime: Timestamp;
  /** Seconds from answer to hang-up (0 when not answered). */
  duration: number;
  caller: string;
  callee: string;
  direction: 'inbound' | 'outbound';
  disposition: CallDisposition;
  endpointType: EndpointType | null;
  endpointId: number | null;
  endpointName: string | null;
  createdAt: CreatedAt;
}

export interface VpbxDirectoryVersionTable {
  id: number;
  version: ColumnType<number, number, number>;
}

/** One row per directory version: what it changed (src/store/directory/changes.ts). */
export interface VpbxDirectoryChangesTable {
  version: ColumnType<number | string, number, never>;
  kind: 'all' | 'user' | 'terminal' | 'extension';
  rowId: number | null;
  /** random per row (the history check of load.ts); bigint, read as a string */
  token: ColumnType<string, never, never>;
}

export interface VpbxTables {
  terminals: TerminalsTable;
  users: UsersTable;
  extensions: ExtensionsTable;
  registrations: RegistrationsTable;
  activeCalls: ActiveCallsTable;
  callRegistry: CallRegistryTable;
  vpbxDirectoryVersion: VpbxDirectoryVersionTable;
  vpbxDirectoryChanges: VpbxDirectoryChangesTable;
}
