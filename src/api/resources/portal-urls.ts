// Portal URLs (seed-part1 §1.3, seed-part2 §1.33): platform portals (no brand), brand portals (a brand), client and
// user portals (a brand, optionally one client). URLs are HTTPS, without trailing slash, unique. The platform
// manages all; a brand manages its client and user portals and reads its brand portals. The brand of a login is
// resolved from these URLs (src/api/auth/routes.ts).
import Type from 'typebox';
import { ApiError, type FieldError } from '../errors.ts';
import { defineResource } from '../registry/registry.ts';
import { enumOf, fk, idField, optionalText } from '../registry/field-helpers.ts';
import { checkHttpsBaseUrl } from '../../domain/validation/index.ts';
import { DATA_URL_IMAGE } from './brands.ts';

const OPS = ['list', 'get', 'create', 'update', 'delete'] as const;

export default defineResource({
  name: 'portalUrls',
  table: 'portalUrls',
  path: '/portal-urls',
  description: 'Portal URLs of the four levels, with logo, theme and title',
  levels: { platform: OPS, brand: OPS },
  owner: { brand: 'brandId', client: 'clientId' },
  unique: [{ constraint: 'portal_urls_url_key', fields: ['url'] }],
  fields: {
    id: idField,
    kind: enumOf(['platform', 'brand', 'client', 'user'], { required: true, createOnly: true }),
    url: { schema: Type.String({ minLength: 9, maxLength: 255 }), required: true, filter: ['exact', 'like'], order: true, description: 'https://host[:port][/path], no trailing slash' },
    brandId: fk('brands', { nullable: true, createOnly: true }),
    clientId: fk('clients', { nullable: true, createOnly: true }),
    name: optionalText(100),
    logo: { schema: DATA_URL_IMAGE, nullable: true },
    theme: optionalText(50),
    title: optionalText(200, { description: 'phrase used as portal title' }),
  },
  hooks: {
    async prepare(ctx) {
      if (typeof ctx.values.url === 'string') {
        const c = checkHttpsBaseUrl(ctx.values.url);
        if (c.ok) ctx.values.url = `https://${c.host}${new URL(ctx.values.url).pathname.replace(/^\/$/, '')}`;
      }
      if (ctx.op === 'create' && ctx.caller.level === 'platform' && typeof ctx.values.clientId === 'number' && ctx.values.brandId == null) {
        const c = await ctx.trx.selectFrom('clients').select('brandId').where('id', '=', ctx.values.clientId).executeTakeFirst();
        if (c) ctx.values.brandId = c.brandId;
      }
    },
    async validate(ctx) {
      const errors: FieldError[] = [];
      const m = ctx.merged;
      if ('url' in ctx.input) {
        const c = checkHttpsBaseUrl(String(ctx.input.url));
        if (!c.ok) {
          const why = { NOT_HTTPS: 'must be HTTPS', TRAILING_SLASH: 'must not end with /', NOT_A_URL: 'is not a URL', BAD_HOST: 'has an invalid host', HAS_CREDENTIALS: 'must not contain credentials', HAS_QUERY: 'must not contain a query or fragment' }[c.code];
          errors.push({ field: '/url', code: c.code, message: `url ${why}` });
        }
      }
      if (ctx.caller.level !== 'platform' && (m.kind === 'platform' || m.kind === 'brand')) {
        // Brand operators manage client and user portals only; brand portals are the platform's.
        if (ctx.op === 'update') throw new ApiError('FORBIDDEN', `${String(m.kind)} portals are managed by the platform`);
        errors.push({ field: '/kind', code: 'NOT_ALLOWED', message: `${String(m.kind)} portals are managed by the platform` });
      }
      if (m.kind === 'platform' && (m.brandId != null || m.clientId != null)) {
        errors.push({ field: m.brandId != null ? '/brandId' : '/clientId', code: 'NOT_APPLICABLE', message: 'platform portals have no brand or client' });
      }
      if (m.kind === 'brand' && m.clientId != null) errors.push({ field: '/clientId', code: 'NOT_APPLICABLE', message: 'brand portals have no client' });
      if (m.kind !== 'platform' && m.brandId == null) errors.push({ field: '/brandId', code: 'REQUIRED', message: `${String(m.kind)} portals belong to a brand` });
      if (ctx.caller.level === 'platform' && typeof m.clientId === 'number' && typeof m.brandId === 'number') {
        const c = await ctx.trx.selectFrom('clients').select('brandId').where('id', '=', m.clientId).executeTakeFirst();
        if (c && c.brandId !== m.brandId) errors.push({ field: '/clientId', code: 'NOT_IN_BRAND', message: 'the client belongs to another brand' });
      }
      return errors;
    },
    beforeDelete(ctx) {
      if (ctx.caller.level !== 'platform' && (ctx.row.kind === 'platform' || ctx.row.kind === 'brand')) {
        throw new ApiError('FORBIDDEN', `${String(ctx.row.kind)} portals are managed by the platform`);
      }
    },
  },
});
