/**
 * The API's Lambda handler (unbundled; infra/bundle.test.ts checks the bundle) behind API
 * Gateway, against DynamoDB Local: its logs and metrics (functions/observability.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { captureOutput, lambdaContext, metricLines, restEvent, setLambdaEnv } from '../../test/lambda.ts';

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>;

let handler: Handler;
let apiKey: string;
let fresh: Awaited<ReturnType<typeof freshStores>>;
const snapshot = readFileSync(new URL('../../examples/tier1-perpetuals.json', import.meta.url), 'utf8');

beforeAll(async () => {
  fresh = await freshStores();
  // The environment the stack sets (infra/constructs/lambda-function.ts), DynamoDB Local in place of DynamoDB.
  setLambdaEnv(fresh, {
    SOFTLAND_SWEEP_WORKER_FUNCTION: 'softland-test-worker',
    POWERTOOLS_SERVICE_NAME: 'softland-test-api',
    // What Lambda sets for an on-demand environment: Powertools counts its cold start.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
  const tenant = await fresh.stores.tenants.create('Lambda observability');
  apiKey = (await fresh.stores.apiKeys.issue(tenant.tenantId)).secret;
  ({ handler } = (await import('./lambda.ts')) as unknown as { handler: Handler });
});

const assessRequest = () =>
  restEvent('POST', '/v1/assessments', { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() }, snapshot);

const header = (res: APIGatewayProxyResult, name: string) =>
  [...Object.entries(res.headers ?? {}), ...Object.entries(res.multiValueHeaders ?? {}).map(([k, v]) => [k, v.join(', ')] as const)].find(
    ([k]) => k.toLowerCase() === name.toLowerCase(),
  )?.[1];

describe('the API handler’s metrics (EMF on stdout)', () => {
  it('publishes one Assessments metric per assessment, with its tier, and ColdStart once', async () => {
    const first = await captureOutput(() => handler(assessRequest(), lambdaContext(10_000, 'softland-test-api')));
    expect(first.result.statusCode).toBe(201);
    const tier = (JSON.parse(first.result.body) as { tier: string }).tier;
    expect(tier).toBe('tier1');
    const assessments = metricLines(first.emf, 'Assessments');
    expect(assessments).toHaveLength(1);
    expect(assessments[0]).toMatchObject({ namespace: 'Softland', dimensions: [['service', 'tier']], value: 1 });
    expect(assessments[0]!.line).toMatchObject({ service: 'softland-test-api', tier: 'tier1' });
    expect(assessments[0]!.line['_aws'].CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'Assessments', Unit: 'Count' }]);
    expect(metricLines(first.emf, 'ColdStart')).toHaveLength(1);

    const second = await captureOutput(() => handler(assessRequest(), lambdaContext(10_000, 'softland-test-api')));
    expect(second.result.statusCode).toBe(201);
    expect(metricLines(second.emf, 'Assessments').map((m) => m.value)).toEqual([1]);
    expect(metricLines(second.emf, 'ColdStart')).toEqual([]);
  });

  it('publishes nothing and warns of nothing for a request that assesses nothing', async () => {
    const { result, emf, stderr } = await captureOutput(() => handler(restEvent('GET', '/health'), lambdaContext()));
    expect(result.statusCode).toBe(200);
    expect(emf).toEqual([]);
    expect(stderr).toEqual([]);
  });

  it('publishes nothing for a refused request', async () => {
    const { result, emf } = await captureOutput(() => handler(restEvent('POST', '/v1/assessments', { 'Content-Type': 'application/json' }, snapshot), lambdaContext()));
    expect(result.statusCode).toBe(401);
    expect(metricLines(emf, 'Assessments')).toEqual([]);
  });
});

describe('the API handler’s logs', () => {
  // Last: it drops the assessments table, so recording an assessment fails unexpectedly (500).
  it('logs an unexpected error as one JSON line whose correlation_id is the request id the client got', async () => {
    await fresh.db.send(new DeleteTableCommand({ TableName: fresh.names.assessments }));
    const { result, stderr, stdout } = await captureOutput(() => handler(assessRequest(), lambdaContext(10_000, 'softland-test-api')));
    expect(result.statusCode).toBe(500);
    const problem = JSON.parse(result.body) as { code: string; requestId: string };
    expect(problem.code).toBe('internal_error');
    const requestId = header(result, 'X-Request-Id');
    expect(requestId).toMatch(/^req_/);
    expect(problem.requestId).toBe(requestId);
    const errors = stderr.filter((l) => l['level'] === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: 'unexpected error',
      correlation_id: requestId,
      service: 'softland-test-api',
      function_name: 'softland-test-api',
      cold_start: false,
      error: { name: 'ResourceNotFoundException', message: expect.any(String), stack: expect.any(String) },
    });
    // Nothing else leaks to the logs: no request, no key.
    expect(JSON.stringify([...stderr, ...stdout])).not.toContain(apiKey);
  });
});
