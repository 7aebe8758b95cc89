// OpenAPI description of the auth endpoints of one level (merged into the generated document).
import type { Level } from '../../domain/tenancy/caller.ts';

const problem = { $ref: '#/components/schemas/Problem' };
const tokenPair = {
  type: 'object',
  required: ['token', 'refreshToken', 'tokenType', 'expiresIn'],
  properties: {
    token: { type: 'string', description: 'JWT access token (HS256)' },
    refreshToken: { type: 'string' },
    refresh_token: { type: 'string', description: 'alias of refreshToken' },
    tokenType: { const: 'Bearer' },
    expiresIn: { type: 'integer' },
  },
};

function post(summary: string, body: Record<string, unknown>, required: string[], security = false): Record<string, unknown> {
  return {
    tags: ['auth'],
    summary,
    ...(security ? { security: [{ bearer: [] }] } : {}),
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: body, required } } } },
    responses: {
      '200': { description: 'Tokens', content: { 'application/json': { schema: tokenPair } } },
      '400': { description: 'Invalid request', content: { 'application/problem+json': { schema: problem } } },
      '401': { description: 'Invalid credentials or token', content: { 'application/problem+json': { schema: problem } } },
      '403': { description: 'Refused', content: { 'application/problem+json': { schema: problem } } },
    },
  };
}

export function authPaths(level: Level): Record<string, unknown> {
  const base = `/api/${level}`;
  const login =
    level === 'user'
      ? post('Log in with email and password', { email: { type: 'string' }, password: { type: 'string' }, portal: { type: 'boolean' } }, ['email', 'password'])
      : post(
          'Log in (also POST /admin_login)',
          {
            username: { type: 'string' },
            password: { type: 'string' },
            ...(level === 'platform' ? {} : { brandId: { type: 'integer', description: 'brand of the administrator; else taken from the portal URL of the Host header' } }),
            portal: { type: 'boolean', description: 'portal login: refused for restricted platform/brand administrators' },
          },
          ['username', 'password'],
        );
  const paths: Record<string, unknown> = {
    [`${base}/auth/login`]: { post: login },
    [`${base}/auth/refresh`]: { post: post('New token pair from a refresh token (rotated; also POST /token/refresh)', { refreshToken: { type: 'string' }, refresh_token: { type: 'string', description: 'alias of refreshToken' } }, []) },
    [`${base}/auth/logout`]: { post: { tags: ['auth'], summary: 'End the session of this token', security: [{ bearer: [] }], responses: { '204': { description: 'Logged out' } } } },
  };
  if (level !== 'user') {
    for (const mode of ['revoke-all', 'grant-all']) {
      paths[`${base}/administrators/{id}/privileges/${mode}`] = {
        post: {
          tags: ['administratorPrivileges'],
          summary: `${mode === 'grant-all' ? 'Grant' : 'Revoke'} create/read/update/delete on every resource of this level`,
          security: [{ bearer: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }],
          responses: { '200': { description: 'Done' }, '404': { description: 'Not found', content: { 'application/problem+json': { schema: problem } } } },
        },
      };
    }
  }
  if (level === 'brand') {
    paths[`${base}/auth/exchange`] = {
      post: post('Emulate a brand with a platform token (also POST /token/exchange)', { brandId: { type: 'integer' }, username: { type: 'string', description: 'a brand administrator to act as' } }, [], true),
    };
  }
  if (level === 'client') {
    paths[`${base}/auth/exchange`] = { post: post('Emulate a client with a platform or brand token (also POST /token/exchange)', { clientId: { type: 'integer' } }, ['clientId'], true) };
  }
  // IvozProvider's path names (S44) are served too: documented as second paths marked `x-alias-of`.
  const aliases: Array<[string, string]> = [['/admin_login', '/auth/login'], ['/token/refresh', '/auth/refresh']];
  if (level === 'brand' || level === 'client') aliases.push(['/token/exchange', '/auth/exchange']);
  for (const [alias, own] of aliases) {
    if (level === 'user' && alias === '/admin_login') continue;
    const item = paths[`${base}${own}`] as { post: Record<string, unknown> } | undefined;
    if (item) paths[`${base}${alias}`] = { 'x-alias-of': `${base}${own}`, post: { ...item.post, description: `Alias of \`${base}${own}\`.` } };
  }
  return paths;
}
