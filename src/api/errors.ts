// Every API error in one catalogue (code → HTTP status + title), rendered as RFC 9457 problem details:
// `application/problem+json` with `{ type, title, status, detail, code, errors: [{ field, code, message }] }`.
// Field paths are JSON Pointers into the request (`/name`, `/features/2`, `/query/page`).

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  BAD_QUERY: { status: 400, title: 'The query string is not valid' },
  BAD_JSON: { status: 400, title: 'The request body is not valid JSON' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials' },
  TOKEN_INVALID: { status: 401, title: 'The token is invalid or expired' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  RESTRICTED_PORTAL: { status: 403, title: 'Restricted administrators cannot log into the portal' },
  PRIVILEGE_REQUIRED: { status: 403, title: 'This administrator lacks the privilege for this operation' },
  SHARED_READ_ONLY: { status: 403, title: 'This shared platform row is read-only at your level' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  REFERENCE_NOT_FOUND: { status: 404, title: 'A referenced row does not exist' },
  UNIQUE_VIOLATION: { status: 409, title: 'A row with this value already exists' },
  IN_USE: { status: 409, title: 'The row is still referenced' },
  CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  NOT_IMPLEMENTED: { status: 501, title: 'Not available yet' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One field-level problem: `field` is a JSON Pointer into the request body (or `/query/<name>`). */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  errors?: FieldError[];
}

/** An expected API failure. Thrown inside handlers and rendered by the server's error handler. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[];

  constructor(code: ErrorCode, detail?: string, errors: FieldError[] = []) {
    super(detail ?? ERRORS[code].title);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = errors;
  }

  toProblem(): Problem {
    const p: Problem = {
      type: `urn:switchyard:problem:${this.code.toLowerCase().replaceAll('_', '-')}`,
      title: ERRORS[this.code].title,
      status: this.status,
      detail: this.message,
      code: this.code,
    };
    if (this.errors.length > 0) p.errors = this.errors;
    return p;
  }
}

/** Shorthand for a 400 with field errors. */
export function validationError(errors: FieldError[], detail?: string): ApiError {
  const d = detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new ApiError('VALIDATION_FAILED', d, errors);
}

export function notFound(what = 'resource'): ApiError {
  return new ApiError('NOT_FOUND', `${what} not found`);
}

/** The OpenAPI schema of a problem document (shared by every level's document). */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ERRORS) },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'code', 'message'],
        properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;
