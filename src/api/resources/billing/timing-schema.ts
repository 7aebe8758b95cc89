// TypeBox schema of a rating-plan row timing (src/domain/rating/model.ts Timing): 'always', or weekly windows of
// local wall-clock time in the brand timezone, `to` exclusive, `from > to` crossing midnight.
import Type from 'typebox';

const CLOCK = '^([01][0-9]|2[0-4]):[0-5][0-9](:[0-5][0-9])?$';

export const TIMING_SCHEMA = Type.Union([
  Type.Literal('always'),
  Type.Object({
    kind: Type.Literal('weekly'),
    windows: Type.Array(
      Type.Object({
        days: Type.Array(Type.Enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), { minItems: 1, uniqueItems: true }),
        from: Type.String({ pattern: CLOCK }),
        to: Type.String({ pattern: CLOCK }),
      }, { additionalProperties: false }),
      { minItems: 1, maxItems: 50 },
    ),
  }, { additionalProperties: false }),
]);

export const ROW_SCHEMA = Type.Object({
  destinationRateId: Type.Integer({ minimum: 1 }),
  weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  timing: Type.Optional(TIMING_SCHEMA),
}, { additionalProperties: false });
