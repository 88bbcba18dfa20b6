/**
 * Invoking Lambda handlers in tests: a context, an API Gateway (REST, proxy) event, and
 * what the handler wrote to stdout and stderr (Powertools' JSON log lines and EMF metrics).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { TableNames } from '../shared/store/tables.ts';

/** The SOFTLAND_TABLE_PREFIX that names `tables` (tableNames(prefix)). */
export function tablePrefixOf(tables: TableNames): string {
  return tables.tenants.slice(0, -'tenants'.length);
}

/**
 * Sets the environment the stack gives a function (infra/constructs/lambda-function.ts),
 * DynamoDB Local and `fresh`'s tables in place of DynamoDB's, Powertools' metrics under
 * Softland; `extra` adds the function's own.
 */
export function setLambdaEnv(fresh: { readonly names: TableNames; readonly endpoint: string }, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    SOFTLAND_TABLE_PREFIX: tablePrefixOf(fresh.names),
    DYNAMODB_ENDPOINT: fresh.endpoint,
    AWS_REGION: 'us-east-1',
    POWERTOOLS_METRICS_NAMESPACE: 'Softland',
    ...extra,
  });
}

export function lambdaContext(remainingMs = 10_000, functionName = 'softland-test'): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** What API Gateway (REST API, Lambda proxy) sends for a request. */
export function restEvent(method: string, path: string, headers: Record<string, string> = {}, body?: string): APIGatewayProxyEvent {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'test',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/dev${path}`,
      stage: 'dev',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'test',
      resourcePath: '/{proxy+}',
    },
  };
}

/** One JSON line the handler printed. */
export type JsonLine = Record<string, any>;

export interface Output {
  /** Every JSON line printed on stdout (log lines at INFO and below, EMF metrics). */
  readonly stdout: JsonLine[];
  /** Every JSON line printed on stderr (log lines at WARN and above). */
  readonly stderr: JsonLine[];
  /** The EMF lines among stdout's (those with `_aws.CloudWatchMetrics`). */
  readonly emf: JsonLine[];
}

/**
 * Runs `job` with stdout and stderr captured (and kept off the test's output): Powertools
 * writes through a Console of its own over process.stdout and process.stderr.
 */
export async function captureOutput<T>(job: () => Promise<T>): Promise<{ result: T } & Output> {
  const out: string[] = [];
  const err: string[] = [];
  const keep = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(keep(out) as typeof process.stdout.write);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(keep(err) as typeof process.stderr.write);
  try {
    const result = await job();
    const outLines = jsonLines(out);
    return { result, stdout: outLines, stderr: jsonLines(err), emf: outLines.filter((l) => Array.isArray(l['_aws']?.CloudWatchMetrics)) };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function jsonLines(chunks: readonly string[]): JsonLine[] {
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as JsonLine];
      } catch {
        return [];
      }
    });
}

/** The EMF lines that publish `metric`, with its value and dimensions. */
export function metricLines(emf: readonly JsonLine[], metric: string): Array<{ namespace: string; dimensions: string[][]; value: unknown; line: JsonLine }> {
  return emf.flatMap((line) =>
    (line['_aws'].CloudWatchMetrics as Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>)
      .filter((d) => d.Metrics.some((m) => m.Name === metric))
      .map((d) => ({ namespace: d.Namespace, dimensions: d.Dimensions, value: line[metric], line })),
  );
}
