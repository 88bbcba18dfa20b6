import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Stores } from '../../../shared/store/index.ts';
import type { Sweep } from '../../../shared/store/sweeps.ts';
import { startSweep, type SegmentRunner } from '../../../shared/sweeps/sweep-runs.ts';
import type { ApiEnv } from '../env.ts';
import { problems } from '../problems.ts';
import { IdempotencyHeaders } from '../schemas/common.ts';
import { SweepIdParams, SweepSchema } from '../schemas/sweeps.ts';
import { errorResponses, jsonContent, secured } from '../openapi-parts.ts';

/** The body of an operation that takes none: nothing, or an empty object. */
const NoParameters = z.strictObject({}).openapi('NoParameters', { description: 'An empty object: this operation takes no parameters.' });

const createSweep = createRoute({
  method: 'post',
  path: '/v1/sweeps',
  operationId: 'createSweep',
  tags: ['Sweeps'],
  summary: 'Sweep the registered accounts now',
  description:
    'Starts a sweep like the scheduled one: every registered account re-assessed with the latest market. Poll GET /v1/sweeps/{id}. ' +
    'Sweeps of every account run one at a time per tenant: while a scheduled or requested one runs, this starts nothing and answers ' +
    'the running sweep (its `trigger` says which; price and profile sweeps do not count). ' +
    'It takes no parameters: send no body, an empty one, or `{}`.',
  ...secured,
  request: { headers: IdempotencyHeaders, body: { required: false, content: jsonContent(NoParameters) } },
  responses: {
    202: { description: 'The sweep, started; or the tenant\'s sweep of every account already running', content: jsonContent(SweepSchema) },
    ...errorResponses([400, 'Malformed Idempotency-Key, a body that is not valid JSON, or one with fields'], 401, 409, 413, 415, 422, 503),
  },
});

const getSweep = createRoute({
  method: 'get',
  path: '/v1/sweeps/{id}',
  operationId: 'getSweep',
  tags: ['Sweeps'],
  summary: 'Status and counts of a sweep',
  ...secured,
  request: { params: SweepIdParams },
  responses: { 200: { description: 'The sweep', content: jsonContent(SweepSchema) }, ...errorResponses(400, 401, 404, 503) },
});

const body = (s: Sweep) => ({
  object: 'sweep' as const,
  id: s.sweepId,
  status: s.status,
  trigger: s.trigger,
  segments: s.segments,
  segmentsDone: s.segmentsDone,
  counts: s.counts,
  startedAt: s.startedAt,
  completedAt: s.completedAt,
  reason: s.reason,
  unassessable: s.unassessable.map((r) => ({ ...r, accountIds: [...r.accountIds] })),
});

export function sweepRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores, runner: SegmentRunner): void {
  app.openapi(createSweep, async (c) => c.json(body(await startSweep(stores, c.get('tenantId'), 'api', runner)), 202));

  app.openapi(getSweep, async (c) => {
    const { id } = c.req.valid('param');
    const sweep = await stores.sweeps.get(c.get('tenantId'), id);
    if (!sweep) throw problems.notFound(`no sweep ${id}`);
    return c.json(body(sweep), 200);
  });
}
