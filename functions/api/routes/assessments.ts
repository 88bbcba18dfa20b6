import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { newId } from '../../../shared/ids.ts';
import { assess } from '../../../shared/risk/assess.ts';
import { AssessmentSchema } from '../../../shared/schemas/assessment.ts';
import { SnapshotSchema } from '../../../shared/schemas/snapshot.ts';
import type { Stores } from '../../../shared/store/index.ts';
import { profileFor } from '../../../shared/sweeps/account-assessment.ts';
import { forecastsFor, gridSymbols } from '../../../shared/sweeps/forecasts.ts';
import type { ApiEnv, Assessor } from '../env.ts';
import { problems } from '../problems.ts';
import { AccountParams } from '../schemas/accounts.ts';
import { AssessmentIdParams, AssessmentListSchema } from '../schemas/assessments.ts';
import { IdempotencyHeaders } from '../schemas/common.ts';
import { listAnswer, PageQuery } from '../schemas/lists.ts';
import { errorResponses, jsonContent, secured } from '../openapi-parts.ts';

const createAssessment = createRoute({
  method: 'post',
  path: '/v1/assessments',
  operationId: 'createAssessment',
  tags: ['Assessments'],
  summary: 'Assess a portfolio snapshot',
  description:
    'Values the snapshot, computes margin, marginRatio (equity / maintenance margin), tier, Greeks, liquidation prices and, ' +
    'from tier1 on, the smallest liquidation slice that restores the target ratio. The request and the answer are recorded ' +
    'before the answer is sent. Send an `Idempotency-Key` header to retry safely.',
  ...secured,
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: SnapshotSchema } } },
  },
  responses: {
    201: {
      description: 'The assessment, recorded',
      content: jsonContent(AssessmentSchema),
      headers: {
        Location: { schema: { type: 'string' }, description: 'The recorded assessment' },
        'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] }, description: 'Present when this is the answer of an earlier request with the same Idempotency-Key' },
      },
    },
    ...errorResponses(400, 401, 409, 413, 415, 422, 503),
  },
});

const getAssessment = createRoute({
  method: 'get',
  path: '/v1/assessments/{id}',
  operationId: 'getAssessment',
  tags: ['Assessments'],
  summary: 'Retrieve a recorded assessment',
  ...secured,
  request: { params: AssessmentIdParams },
  responses: {
    200: { description: 'The assessment as it was answered', content: jsonContent(AssessmentSchema) },
    ...errorResponses(400, 401, 404, 503),
  },
});

const listAccountAssessments = createRoute({
  method: 'get',
  path: '/v1/accounts/{accountId}/assessments',
  operationId: 'listAccountAssessments',
  tags: ['Assessments'],
  summary: "List an account's assessments, newest first",
  ...secured,
  request: { params: AccountParams, query: PageQuery },
  responses: {
    200: { description: 'One page of summaries', content: jsonContent(AssessmentListSchema) },
    ...errorResponses(400, 401, 503),
  },
});

export interface AssessmentRouteOptions {
  /** Record every assessment (default). Off only for the benchmark of the engine behind HTTP. */
  readonly record: boolean;
  /** Where snapshots are assessed. Default the engine in this thread. */
  readonly assessor?: Assessor | undefined;
}

export function assessmentRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores, options: AssessmentRouteOptions): void {
  app.openapi(createAssessment, async (c) => {
    const snapshot = c.req.valid('json');
    // A built-in profile costs no read; a tenant's own is read from its latest version.
    const profile = await profileFor(stores.riskProfiles.resolver(c.get('tenantId')), snapshot);
    const forecasts = await forecastsFor(stores, c.get('tenantId'), profile, gridSymbols(snapshot, profile), new Date());
    const assessment = await (options.assessor ?? assess)(snapshot, { id: newId('asm'), profile, forecasts }, c.get('tenantId'));
    if (options.record) {
      const claim = c.get('idempotency');
      // The record and the idempotency answer are one transaction: both are stored or neither.
      await stores.assessments.record(
        { tenantId: c.get('tenantId'), createdAt: new Date().toISOString(), request: c.get('body'), assessment },
        claim ? [stores.idempotency.completion(claim, { status: 201, assessmentId: assessment.id })] : [],
      );
      if (claim) c.set('idempotencyCompleted', true);
    }
    return c.json(assessment, 201, { Location: `/v1/assessments/${assessment.id}` });
  });

  app.openapi(getAssessment, async (c) => {
    const { id } = c.req.valid('param');
    const record = await stores.assessments.get(c.get('tenantId'), id);
    if (!record) throw problems.notFound(`no assessment ${id}`);
    return c.json(record.assessment, 200);
  });

  app.openapi(listAccountAssessments, async (c) => {
    const { accountId } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const page = await stores.assessments.listByAccount(c.get('tenantId'), accountId, { limit, cursor });
    return c.json(listAnswer(page), 200);
  });
}
