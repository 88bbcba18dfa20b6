import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SegmentRunner } from '../../shared/sweeps/coordinator.ts';

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
export function lambdaRunner(workerFunction: string, lambda = new LambdaClient({})): SegmentRunner {
  return async (tenantId, sweepId, segments) => {
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
