// Pure validators shared by the API, the CLI and the SIP edges.
export { isIPv4, isIPv6, isIP, parseCidr, isIPOrCidr, type Cidr } from './ip.ts';
export { isDomainName } from './domain-name.ts';
export { checkHttpsBaseUrl, isHttpsBaseUrl, type HttpsUrlError } from './url.ts';
export { isE164 } from './e164.ts';
