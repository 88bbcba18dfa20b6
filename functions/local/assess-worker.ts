import { parentPort } from 'node:worker_threads';
import { assess, type AssessOptions } from '../../shared/risk/assess.ts';
import { RiskError } from '../../shared/risk/errors.ts';
import type { Snapshot } from '../../shared/schemas/snapshot.ts';

/**
 * One thread of the local server's assessment pool (assess-pool.ts): assesses what it is
 * sent and posts the answer back. A RiskError travels as its parts (a thread boundary
 * keeps no class); anything else as its stack.
 */

export interface AssessJob {
  readonly job: number;
  readonly snapshot: Snapshot;
  readonly options: Omit<AssessOptions, 'solver'>;
}

export type AssessReply =
  | { readonly job: number; readonly assessment: Awaited<ReturnType<typeof assess>> }
  | { readonly job: number; readonly riskError: { readonly code: string; readonly message: string; readonly field: string | undefined } }
  | { readonly job: number; readonly failure: string };

parentPort!.on('message', async ({ job, snapshot, options }: AssessJob) => {
  let reply: AssessReply;
  try {
    reply = { job, assessment: await assess(snapshot, options) };
  } catch (error) {
    reply =
      error instanceof RiskError
        ? { job, riskError: { code: error.code, message: error.message, field: error.field } }
        : { job, failure: String((error as Error)?.stack ?? error) };
  }
  parentPort!.postMessage(reply);
});
