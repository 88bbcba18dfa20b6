import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { toFieldIssues } from '../../shared/schemas/validate.ts';
import type { Stores } from '../../shared/store/index.ts';
import type { StoredResponse } from '../../shared/store/idempotency.ts';
import type { ApiEnv, Assessor } from './env.ts';
import { bearerAuth } from './middleware/auth.ts';
import { idempotency } from './middleware/idempotency.ts';
import { jsonBody } from './middleware/json-body.ts';
import { tenantRateLimit } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { requireScope } from './middleware/scopes.ts';
import { problemBody, problems, type ApiProblem } from './problems.ts';
import { accountRoutes } from './routes/accounts.ts';
import { assessmentRoutes } from './routes/assessments.ts';
import { liquidationRoutes } from './routes/liquidations.ts';
import { marketRoutes } from './routes/market.ts';
import { riskProfileRoutes } from './routes/risk-profiles.ts';
import { sweepRoutes } from './routes/sweeps.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { inProcessRunner, type SegmentRunner } from '../../shared/sweeps/sweep-runs.ts';
import { metaRoutes } from './routes/meta.ts';
import { pageRoutes } from './routes/pages.ts';
import type { DeskAssetSource } from './desk-assets.ts';
import { registerSecurity } from './openapi-document.ts';
import { toProblem } from './to-problem.ts';
import { logErrorWith, serviceLogger } from '../observability.ts';

export interface AppOptions {
  readonly stores: Stores;
  /** Largest request body in bytes. Default 4 MiB (a 5,000-position snapshot is about 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Record every assessment. Default true; false only to benchmark the engine behind HTTP. */
  readonly recordAssessments?: boolean;
  /** Requests per second per tenant (across all instances); undefined for no limit. */
  readonly tenantRequestsPerSecond?: number | undefined;
  /** Development only: accept http and loopback webhook URLs. Default false. */
  readonly allowInsecureWebhooks?: boolean;
  /** Where sweep segments run. Default: in this process, in the background. */
  readonly sweepRunner?: SegmentRunner;
  /** Where unexpected errors are reported. Default the API's Powertools Logger (functions/observability.ts). */
  readonly logError?: (error: unknown, requestId: string) => void;
  /** Where POST /v1/assessments assesses: default the engine in this thread (Lambda); the local server passes its thread pool. */
  readonly assessor?: Assessor;
  /** The risk desk's and the reference page's assets (desk/build.ts); without them /desk and /docs answer 404. */
  readonly pages?: DeskAssetSource | undefined;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

/** The Softland HTTP API: the same app runs on Lambda and in the local server. */
export function createApp(options: AppOptions): OpenAPIHono<ApiEnv> {
  const { stores } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const logError = options.logError ?? logErrorWith(serviceLogger('api'));

  const app = new OpenAPIHono<ApiEnv>({
    // Schema failures become one 400 problem naming every failing field.
    defaultHook: (result) => {
      if (!result.success) throw problems.invalidRequest(toFieldIssues(result.error));
    },
  });

  app.use('*', requestId());
  app.use('/v1/*', bodyLimit({ maxSize: maxBody, onError: () => { throw problems.bodyTooLarge(maxBody); } }));
  app.use('/v1/*', bearerAuth(stores.apiKeys));
  // Before anything that writes (rate-limit counts, idempotency claims): a refused request writes nothing.
  app.use('/v1/*', requireScope());
  if (options.tenantRequestsPerSecond !== undefined) app.use('/v1/*', tenantRateLimit(stores.rateLimits, options.tenantRequestsPerSecond));
  app.on(['POST', 'PUT', 'PATCH'], '/v1/*', jsonBody());
  app.on('POST', '/v1/*', idempotency(stores.idempotency, (c, stored) => replayStored(c, stores, stored)));

  registerSecurity(app);
  assessmentRoutes(app, stores, { record: options.recordAssessments ?? true, assessor: options.assessor });
  accountRoutes(app, stores);
  // Price pushes and sweeps start segments the same way: in process locally, the worker Lambda on AWS.
  const sweepRunner = options.sweepRunner ?? inProcessRunner(stores, (error) => logError(error, 'sweep'));
  marketRoutes(app, stores, sweepRunner, logError);
  webhookRoutes(app, stores, { allowInsecureLocal: options.allowInsecureWebhooks ?? false });
  sweepRoutes(app, stores, sweepRunner);
  liquidationRoutes(app, stores);
  riskProfileRoutes(app, stores, sweepRunner);
  metaRoutes(app, stores);
  pageRoutes(app, options.pages);

  app.notFound((c) => problemResponse(c, problems.routeNotFound(c.req.method, c.req.path)));
  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem.code === 'internal_error') logError(error, c.get('requestId') ?? 'unknown');
    return problemResponse(c, problem);
  });
  return app;
}

function problemResponse(c: Context<ApiEnv>, problem: ApiProblem): Response {
  const id = c.get('requestId') ?? 'unknown';
  return c.json(problemBody(problem, c.req.path, id), problem.status, {
    'Content-Type': 'application/problem+json',
    'X-Request-Id': id,
    ...problem.headers,
  });
}

/** Replays a finished request's answer: the recorded assessment, or the stored body. */
async function replayStored(c: Context<ApiEnv>, stores: Stores, stored: StoredResponse): Promise<Response> {
  // A status this API answered, with a body: stored from one of its own answers.
  const status = stored.status as ContentfulStatusCode;
  if (stored.assessmentId !== undefined) {
    const record = await stores.assessments.get(c.get('tenantId'), stored.assessmentId);
    if (record) return c.json(record.assessment, status, { Location: `/v1/assessments/${stored.assessmentId}` });
  }
  if (status < 400) return c.body(stored.body ?? '', status, { 'Content-Type': 'application/json' });
  return c.body(withRequestId(stored.body ?? '', c.get('requestId')), status, { 'Content-Type': 'application/problem+json' });
}

/**
 * A replayed problem names the replaying request, as its `X-Request-Id` does: that is
 * the id this call is logged under, and a problem's `requestId` must match its header.
 */
function withRequestId(problem: string, requestId: string): string {
  try {
    return JSON.stringify({ ...(JSON.parse(problem) as object), requestId });
  } catch {
    return problem; // not JSON: nothing to name
  }
}
