import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SegmentRunner } from '../../shared/sweeps/sweep-runs.ts';

/** What the coordinator sends each worker. */
export interface SegmentJob {
  readonly tenantId: string;
  readonly sweepId: string;
  readonly segment: number;
}

/**
 * Fans a sweep's segments out to the worker function, one asynchronous invocation each:
 * Lambda retries a failed segment (twice), and segments are idempotent.
 */
export function lambdaRunner(workerFunction: string): SegmentRunner {
  let client: Promise<{ lambda: LambdaClient; InvokeCommand: typeof import('@aws-sdk/client-lambda').InvokeCommand }> | undefined;
  return async (tenantId, sweepId, segments) => {
    // Loaded on the first sweep, not at cold start: most API calls never start one.
    client ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => ({ lambda: new LambdaClient({}), InvokeCommand }));
    const { lambda, InvokeCommand } = await client;
    await Promise.all(
      Array.from({ length: segments }, (_, segment) =>
        lambda.send(
          new InvokeCommand({
            FunctionName: workerFunction,
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify({ tenantId, sweepId, segment } satisfies SegmentJob)),
          }),
        ),
      ),
    );
  };
}
