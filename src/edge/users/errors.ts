// Every rejection of the users edge: a code, the SIP status and the reason phrase phones (and operators reading
// traces) see. DESIGN.md "Errors": one catalogue.
export const EDGE_ERRORS = {
  EDGE_UNKNOWN_DOMAIN: { status: 403, reason: 'Unknown domain' },
  EDGE_AUTH_FAILED: { status: 403, reason: 'Wrong credentials' },
  EDGE_AOR_MISMATCH: { status: 403, reason: 'Forbidden AoR' },
  EDGE_IDENTITY_MISMATCH: { status: 403, reason: 'From does not match credentials' },
  EDGE_INTERVAL_TOO_BRIEF: { status: 423, reason: 'Interval Too Brief' },
  EDGE_REG_OUT_OF_ORDER: { status: 500, reason: 'Out of order CSeq' },
  EDGE_BAD_CONTACT: { status: 400, reason: 'Bad Contact' },
  EDGE_TOO_MANY_HOPS: { status: 483, reason: 'Too Many Hops' },
  EDGE_LOOP: { status: 482, reason: 'Loop Detected' },
  EDGE_NOT_REGISTERED: { status: 480, reason: 'Not registered' },
  EDGE_NO_ROUTE: { status: 404, reason: 'Not here' },
  EDGE_NO_APP_NODE: { status: 503, reason: 'No application server' },
  EDGE_LOCATION_UNAVAILABLE: { status: 503, reason: 'Location service unavailable' },
  EDGE_UNTRUSTED: { status: 403, reason: 'Forbidden' },
  EDGE_UNKNOWN_TARGET: { status: 404, reason: 'Unknown target' },
  EDGE_METHOD: { status: 405, reason: 'Method Not Allowed' },
} as const;

export type EdgeErrorCode = keyof typeof EDGE_ERRORS;

export const EDGE_REASONS = Object.fromEntries(Object.entries(EDGE_ERRORS).map(([k, v]) => [k, v.reason])) as {
  [K in EdgeErrorCode]: (typeof EDGE_ERRORS)[K]['reason'];
};
