// Routing tags (seed-part1 §1.13): a code of 1–3 digits and '#' prefixing the dialled number to pick routes and
// rating profiles. Enabled per client (retail and wholesale only) through the `routingTagIds` field this file
// adds to clients; a call with a tag not enabled for its client is declined (src/billing/live-billing.ts).
import Type from 'typebox';
import { defineResource, extendResource } from '../registry/registry.ts';
import { fk, idField, text } from '../registry/field-helpers.ts';
import type { FieldError } from '../registry/types.ts';
import { configChanged, db } from './billing/common.ts';

export const ROUTING_TAG_PATTERN = '^[0-9]{1,3}#$';
const TAGGABLE = ['retail', 'wholesale'];

const routingTags = defineResource({
  name: 'routingTags',
  table: 'routingTags',
  path: '/routing-tags',
  description: 'Routing tags: 1–3 digits and # before the number choose routes and rating profiles',
  levels: { platform: ['list', 'get', 'create', 'update', 'delete'], brand: ['list', 'get', 'create', 'update', 'delete'], client: ['list', 'get'] },
  owner: { brand: 'brandId' },
  unique: [
    { constraint: 'routing_tags_brand_tag_key', fields: ['tag'] },
    { constraint: 'routing_tags_brand_name_key', fields: ['name'] },
  ],
  defaultOrder: ['tag'],
  fields: {
    id: idField,
    brandId: fk('brands', { required: true, createOnly: true }),
    name: text(100, { required: true }),
    tag: text(4, { required: true, schema: Type.String({ pattern: ROUTING_TAG_PATTERN }), description: '1 to 3 digits ended by # (e.g. 12#)' }),
  },
  hooks: {
    async afterWrite(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
    async beforeDelete(ctx) {
      await configChanged(db(ctx), ctx.row.brandId as number);
    },
  },
});

export default routingTags;

export const extensions = [
  extendResource('clients', {
    fields: {
      routingTagIds: {
        schema: Type.Array(Type.Integer({ minimum: 1 }), { uniqueItems: true, maxItems: 1000 }),
        virtual: true,
        ref: 'routingTags',
        read: ['platform', 'brand', 'client'],
        write: ['platform', 'brand'],
        description: 'routing tags enabled for the client (retail and wholesale only)',
      },
    },
    hooks: {
      async validate(ctx) {
        const ids = ctx.input.routingTagIds as number[] | undefined;
        if (ids === undefined || ids.length === 0) return [];
        const errors: FieldError[] = [];
        if (!TAGGABLE.includes(String(ctx.merged.type))) {
          errors.push({ field: '/routingTagIds', code: 'NOT_APPLICABLE', message: 'only retail and wholesale clients use routing tags' });
        }
        const tags = await db(ctx).selectFrom('routingTags').select(['id', 'brandId']).where('id', 'in', ids).execute();
        ids.forEach((id, i) => {
          const t = tags.find((x) => x.id === id);
          if (t && t.brandId !== ctx.merged.brandId && ctx.caller.level === 'platform') errors.push({ field: `/routingTagIds/${i}`, code: 'NOT_IN_BRAND', message: 'the routing tag belongs to another brand' });
        });
        return errors;
      },
      async afterWrite(ctx) {
        const ids = ctx.input.routingTagIds as number[] | undefined;
        const clientId = ctx.row.id as number;
        if (ids !== undefined) {
          await db(ctx).deleteFrom('clientRoutingTags').where('clientId', '=', clientId).execute();
          if (ids.length > 0) await db(ctx).insertInto('clientRoutingTags').values(ids.map((routingTagId) => ({ clientId, routingTagId }))).execute();
        }
        // Billing method, currency, timezone, limits and tags all change how the client's calls are billed.
        await configChanged(db(ctx), ctx.row.brandId as number);
      },
      async afterRead(ctx) {
        const ids = ctx.rows.map((r) => r.id as number);
        if (ids.length === 0) return;
        const links = await db(ctx).selectFrom('clientRoutingTags').select(['clientId', 'routingTagId'])
          .where('clientId', 'in', ids).orderBy('routingTagId').execute();
        for (const r of ctx.rows) r.routingTagIds = links.filter((l) => l.clientId === r.id).map((l) => l.routingTagId);
      },
    },
  }),
];
