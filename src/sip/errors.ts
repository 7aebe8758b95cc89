import type { SipHeaders } from './headers/sip-headers.ts';

// Catalogue of SIP parse/format errors. Every protocol violation is a coded error carrying the SIP status
// to answer with (like ws's WS_ERR_* with a close code). status 0 means "no response can be formed: drop".

export const SIP_ERRORS = {
  SIP_ERR_UNREADABLE: { status: 0, reason: 'Unreadable message' },
  SIP_ERR_MESSAGE_TOO_LARGE: { status: 513, reason: 'Message Too Large' },
  SIP_ERR_TOO_MANY_HEADERS: { status: 400, reason: 'Too Many Header Fields' },
  SIP_ERR_HEADER_TOO_LONG: { status: 400, reason: 'Header Field Too Long' },
  SIP_ERR_BAD_START_LINE: { status: 400, reason: 'Bad Request-Line' },
  SIP_ERR_BAD_STATUS_LINE: { status: 0, reason: 'Bad Status-Line' },
  SIP_ERR_BAD_METHOD: { status: 400, reason: 'Bad Method' },
  SIP_ERR_BAD_VERSION: { status: 505, reason: 'Version Not Supported' },
  SIP_ERR_BAD_STATUS_CODE: { status: 0, reason: 'Bad Status Code' },
  SIP_ERR_BAD_REQUEST_URI: { status: 400, reason: 'Bad Request-URI' },
  SIP_ERR_UNSUPPORTED_URI_SCHEME: { status: 416, reason: 'Unsupported URI Scheme' },
  SIP_ERR_BAD_URI: { status: 400, reason: 'Bad URI' },
  SIP_ERR_BAD_HEADER: { status: 400, reason: 'Bad Header Field' },
  SIP_ERR_MISSING_HEADER: { status: 400, reason: 'Missing Header Field' },
  SIP_ERR_BAD_VIA: { status: 400, reason: 'Bad Via' },
  SIP_ERR_BAD_CSEQ: { status: 400, reason: 'Bad CSeq' },
  SIP_ERR_CSEQ_METHOD_MISMATCH: { status: 400, reason: 'CSeq Method Mismatch' },
  SIP_ERR_BAD_CALL_ID: { status: 400, reason: 'Bad Call-ID' },
  SIP_ERR_BAD_FROM: { status: 400, reason: 'Bad From' },
  SIP_ERR_BAD_TO: { status: 400, reason: 'Bad To' },
  SIP_ERR_BAD_CONTACT: { status: 400, reason: 'Bad Contact' },
  SIP_ERR_BAD_NAME_ADDR: { status: 400, reason: 'Bad Address' },
  SIP_ERR_BAD_CONTENT_LENGTH: { status: 400, reason: 'Bad Content-Length' },
  SIP_ERR_CONTENT_LENGTH_MISMATCH: { status: 400, reason: 'Content-Length Mismatch' },
  SIP_ERR_BAD_MAX_FORWARDS: { status: 400, reason: 'Bad Max-Forwards' },
  SIP_ERR_BAD_EXPIRES: { status: 400, reason: 'Bad Expires' },
  SIP_ERR_BAD_DATE: { status: 400, reason: 'Bad Date' },
  SIP_ERR_BAD_QUOTED_STRING: { status: 400, reason: 'Unterminated Quoted String' },
  SIP_ERR_MULTIPLE_SINGLE_VALUE: { status: 400, reason: 'Multiple Values In Single-Value Header' },
} as const satisfies Record<string, { status: number; reason: string }>;

export type SipErrorCode = keyof typeof SIP_ERRORS;

export class SipParseError extends Error {
  readonly code: SipErrorCode;
  /** SIP status to answer with; 0 = drop silently (no response can be formed). */
  status: number;
  /** Reason phrase for the response; names the fault. */
  readonly reason: string;

  /**
   * Best-effort view of a faulty request (start line and header fields readable), so the transport can
   * answer with `status`/`reason` (see createErrorResponse in message.ts). Absent when nothing usable.
   */
  partial?: { method: string; headers: SipHeaders };

  constructor(code: SipErrorCode, detail?: string, override?: { status?: number; reason?: string }) {
    const def = SIP_ERRORS[code];
    const reason = override?.reason ?? def.reason;
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'SipParseError';
    this.code = code;
    this.status = override?.status ?? def.status;
    this.reason = reason;
  }
}

export function isSipParseError(e: unknown): e is SipParseError {
  return e instanceof SipParseError;
}
