// What the SIP directory hands to the users edge (registrar, digest auth) and the B2BUA: plain read-only values,
// one snapshot at a time.
import type { RouteTarget } from '../../domain/vpbx/route-target.ts';
import type { CallRejectionMethod } from '../../domain/vpbx/call-rejection.ts';

export interface DirectoryClient {
  readonly id: number;
  readonly brandId: number;
  readonly type: 'vpbx' | 'residential' | 'retail' | 'wholesale';
  readonly name: string;
  /** own SIP domain (vPBX) or null */
  readonly domain: string | null;
}

/** What a SIP domain (Request-URI / To host) belongs to (seed-part1 §1.5). */
export type DomainEntry =
  | { readonly kind: 'client'; readonly domain: string; readonly client: DirectoryClient }
  | { readonly kind: 'brand'; readonly domain: string; readonly brandId: number };

export interface DirectoryUser {
  readonly id: number;
  readonly clientId: number;
  readonly name: string;
  readonly lastname: string | null;
  /** "Name Lastname": the caller display name of internal calls (seed-part2 §1.1 Name). */
  readonly displayName: string;
  readonly doNotDisturb: boolean;
  /** 0 = unlimited */
  readonly callWaitingLimit: number;
  readonly multiContact: boolean;
  readonly rejectMethod: CallRejectionMethod;
  readonly callsFromNonGrantedIps: number;
  /** number of the screen extension, presented on internal calls */
  readonly screenExtension: string | null;
  readonly terminalId: number | null;
  readonly languageId: number | null;
  readonly timezoneId: number | null;
}

export interface DirectoryTerminal {
  readonly id: number;
  readonly client: DirectoryClient;
  /** SIP username */
  readonly name: string;
  /** the SIP domain = digest realm */
  readonly domain: string;
  /** RFC 7616 §3.4.2 HA1 values for `name:domain:password` */
  readonly ha1Md5: string;
  readonly ha1Sha256: string;
  readonly allowedCodecs: readonly string[];
  readonly callerIdUpdateMethod: 'INVITE' | 'UPDATE';
  readonly t38Passthrough: boolean;
  readonly rtpEncryption: boolean;
  readonly user: DirectoryUser | null;
}

export interface DirectoryExtension {
  readonly id: number;
  readonly clientId: number;
  readonly number: string;
  readonly target: RouteTarget;
}
