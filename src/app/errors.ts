// Every way the app refuses or ends a call: one catalogue with the code (logs, tests), the SIP status and the
// human reason sent in the response (DESIGN.md "Errors": code, SIP status, reason).

export const APP_ERRORS = {
  NOT_FROM_EDGE: { status: 403, reason: 'Forbidden' },
  BAD_INTERNAL_HEADER: { status: 400, reason: 'Bad Internal Header' },
  UNKNOWN_CALLER: { status: 403, reason: 'Unknown Caller' },
  NO_ROUTE: { status: 404, reason: 'No route' },
  EXTENSION_UNASSIGNED: { status: 404, reason: 'Extension not assigned' },
  ROUTE_UNSUPPORTED: { status: 501, reason: 'Route type not available' },
  // Extension → number hands the call to the external-call flow (routing over carriers), which is not built
  // yet: a clear refusal instead of a silent failure (issue 6).
  EXTERNAL_CALLS_UNAVAILABLE: { status: 403, reason: 'External calls not available' },
  USER_NOT_FOUND: { status: 404, reason: 'User not found' },
  USER_NO_TERMINAL: { status: 480, reason: 'User has no terminal' },
  DND: { status: 486, reason: 'Busy Here' },
  CALL_WAITING_LIMIT: { status: 486, reason: 'Busy Here' },
  NO_COMMON_CODEC: { status: 488, reason: 'Not Acceptable Here' },
  BAD_SDP: { status: 488, reason: 'Not Acceptable Here' },
  MEDIA_UNAVAILABLE: { status: 503, reason: 'Media Unavailable' },
  MEDIA_ERROR: { status: 500, reason: 'Media Error' },
  NO_ANSWER: { status: 480, reason: 'No Answer' },
  REDIRECT_REFUSED: { status: 480, reason: 'Temporarily Unavailable' },
  SESSION_INTERVAL_TOO_SMALL: { status: 422, reason: 'Session Interval Too Small' },
  SHUTTING_DOWN: { status: 503, reason: 'Service Unavailable' },
} as const satisfies Record<string, { status: number; reason: string }>;

export type AppErrorCode = keyof typeof APP_ERRORS;

export interface Rejection {
  ok: false;
  code: AppErrorCode;
  status: number;
  reason: string;
}

export function reject(code: AppErrorCode): Rejection {
  const e = APP_ERRORS[code];
  return { ok: false, code, status: e.status, reason: e.reason };
}

/** Media engine failures as the caller sees them (docs/media.md "B2BUA" column). */
export function mediaRejection(code: string): Rejection {
  switch (code) {
    case 'no_common_codec':
      return reject('NO_COMMON_CODEC');
    case 'bad_sdp':
      return reject('BAD_SDP');
    case 'ports_exhausted':
    case 'engine_timeout':
    case 'no_engine':
      return reject('MEDIA_UNAVAILABLE');
    default:
      return reject('MEDIA_ERROR');
  }
}
