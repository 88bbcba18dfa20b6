import { afterEach, describe, expect, it, vi } from 'vitest';
import { tracing } from './tracing.ts';

/** The DynamoDB client the stores were built on (a protected field; read here only to check its middleware). */
const clientOf = (stores: ReturnType<typeof tracing>['stores']) =>
  (stores.accounts as unknown as { db: { middlewareStack: { identify(): string[] } } }).db;

describe('tracing (coordinator, worker, dispatcher, admin)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('in Lambda: tracing on, and the stores\' DynamoDB client records each call as an X-Ray subsegment', () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'softland-dev-worker');
    vi.stubEnv('AWS_XRAY_CONTEXT_MISSING', 'IGNORE_ERROR');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const t = tracing('worker', { POWERTOOLS_SERVICE_NAME: 'softland-dev-worker', SOFTLAND_TABLE_PREFIX: 'softland-dev-' });
    expect(t.tracer.isTracingEnabled()).toBe(true);
    expect(clientOf(t.stores).middlewareStack.identify().join(' ')).toMatch(/XRay/i);
  });

  it('outside Lambda (tests, the local server): off, and the client is left as it is', () => {
    vi.stubEnv('AWS_EXECUTION_ENV', '');
    const t = tracing('dispatcher', {});
    expect(t.tracer.isTracingEnabled()).toBe(false);
    expect(clientOf(t.stores).middlewareStack.identify().join(' ')).not.toMatch(/XRay/i);
  });
});
