import type { AssessOptions } from '../../shared/risk/assess.ts';
import type { Assessment } from '../../shared/schemas/assessment.ts';
import type { Snapshot } from '../../shared/schemas/snapshot.ts';
import type { ApiKeyScope } from '../../shared/store/api-keys.ts';
import type { IdempotencyRef } from '../../shared/store/idempotency.ts';

/** Assesses a validated snapshot for a tenant: the engine in this thread, or a pool of threads (the local server). */
export type Assessor = (snapshot: Snapshot, options: AssessOptions, tenantId: string) => Promise<Assessment>;

/** What middleware hands to handlers through the context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    /** The authenticated tenant (set on /v1 routes). */
    tenantId: string;
    /** The authenticated key's scope (set on /v1 routes; checked by middleware/scopes.ts). */
    scope: ApiKeyScope;
    /** The authenticated key's id (key_…): who made a write, e.g. a liquidation fill. */
    keyId: string;
    /** The request body as received, and parsed (set on POST routes). */
    rawBody: string;
    body: unknown;
    /** The claimed Idempotency-Key, when the request carries one. */
    idempotency: IdempotencyRef | undefined;
    /** Set when the handler completed the idempotency claim in its own write. */
    idempotencyCompleted: boolean;
  };
}
