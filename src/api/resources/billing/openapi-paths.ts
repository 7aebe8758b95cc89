// OpenAPI description of the billing action routes (routes.ts), merged into each level's generated document
// next to the registry's resources. Request schemas are the very TypeBox schemas the routes validate with.
import type { Level } from '../../../domain/tenancy/caller.ts';
import { IMPORT, RERATE, SIMULATION } from './routes.ts';

type Json = Record<string, unknown>;

const problem = { $ref: '#/components/schemas/Problem' };
const money = { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{4}$', description: 'amount with exactly 4 decimals' };
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];

const simulation: Json = {
  type: 'object',
  required: ['ok'],
  description: 'ok=true: the plan, destination and rate that apply and the amount; ok=false: code and message saying why the call cannot be rated',
  properties: {
    ok: { type: 'boolean' },
    code: { type: 'string' },
    message: { type: 'string' },
    ratingPlan: { type: 'object' },
    destinationRate: { type: 'object' },
    destination: { type: 'object' },
    rate: { type: 'object' },
    price: money,
    cost: money,
    charge: { type: 'object' },
  },
};

function errors(): Json {
  return {
    '400': { description: 'Invalid request (field in errors[].field)', content: { 'application/problem+json': { schema: problem } } },
    '401': { description: 'Not authenticated', content: { 'application/problem+json': { schema: problem } } },
    '403': { description: 'Not allowed', content: { 'application/problem+json': { schema: problem } } },
    '404': { description: 'Not found (or another tenant\'s)', content: { 'application/problem+json': { schema: problem } } },
  };
}

function post(operationId: string, tag: string, summary: string, reqSchema: unknown, ok: Json, withId: boolean): Json {
  return {
    post: {
      operationId,
      tags: [tag],
      summary,
      security: [{ bearer: [] }],
      ...(withId ? { parameters: idParam } : {}),
      requestBody: { required: true, content: { 'application/json': { schema: reqSchema } } },
      responses: { ...ok, ...errors() },
    },
  };
}

const json = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } });

export function billingPaths(level: Level): Json {
  const base = `/api/${level}`;
  const paths: Json = {};
  if (level === 'platform' || level === 'brand') {
    paths[`${base}/rating-plans/{id}/simulate`] = post('simulateRatingPlan', 'ratingPlans', 'Simulate a call on this rating plan', SIMULATION, { '200': json('Simulation', simulation) }, true);
    paths[`${base}/rating-plans/simulate`] = post('simulateRatingPlans', 'ratingPlans', 'Simulate a call on several rating plans (ratingPlanIds, or all)', SIMULATION, { '200': json('One simulation per plan', { type: 'object', properties: { items: { type: 'array', items: simulation } } }) }, false);
    paths[`${base}/carriers/{id}/simulate`] = post('simulateCarrier', 'carriers', 'Cost of a call for this carrier (its active rating profile)', SIMULATION, { '200': json('Simulation', simulation) }, true);
    paths[`${base}/lcr`] = post('lcr', 'carriers', 'Least cost routing helper: cost of a 5-minute call per carrier, cheapest first; unrateable carriers excluded', SIMULATION, {
      '200': json('Ordered carriers', { type: 'object', properties: { durationSeconds: { const: 300 }, ordered: { type: 'array', items: { type: 'object' } }, excluded: { type: 'array', items: { type: 'object' } } } }),
    }, false);
    paths[`${base}/destination-rates/{id}/imports`] = {
      post: {
        operationId: 'importRates',
        tags: ['destinationRates'],
        summary: 'Queue a CSV rate import (JSON body, or text/csv with ?fileName, ?skipFirstLine, ?columns=prefix,name,…); progress at rateImports/{id}',
        security: [{ bearer: [] }],
        parameters: idParam,
        requestBody: { required: true, content: { 'application/json': { schema: IMPORT }, 'text/csv': { schema: { type: 'string' } } } },
        responses: { '202': json('Import job queued (Location: its rate-imports URL)', { type: 'object' }), ...errors() },
      },
    };
    paths[`${base}/destination-rates/{id}/imported-file`] = {
      get: {
        operationId: 'getImportedRatesFile',
        tags: ['destinationRates'],
        summary: 'Download the last imported CSV file',
        security: [{ bearer: [] }],
        parameters: idParam,
        responses: { '200': { description: 'The file', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors() },
      },
    };
    paths[`${base}/billable-calls/rerate`] = post('rerateBillableCalls', 'billableCalls', 'Rerate calls not in an invoice with the rating in force at their start', RERATE, {
      '202': json('Calls queued for rating', { type: 'object', properties: { queued: { type: 'integer' } } }),
    }, false);
  }
  // Client level: only when the brand shows billing details to the client (403 otherwise). Users see no billing.
  if (level !== 'user') {
    paths[`${base}/clients/{id}/simulate`] = post('simulateClient', 'clients', 'Price of a call for this client (its active rating profile)', SIMULATION, { '200': json('Simulation', simulation) }, true);
  }
  return paths;
}
