import middy from '@middy/core';
import { observability } from '../observability.ts';
import { tracing } from '../tracing.ts';
import { type AdminOutcome, AdminRequestSchema, runAdmin } from './commands.ts';

const { logger, middlewares } = observability('admin');
const { stores, middleware: traced } = tracing('admin');

/**
 * Tenant and key administration inside the stack (docs/deploy.md, "Administration without a
 * workstation"): invoked directly, never through API Gateway, by whoever holds
 * lambda:InvokeFunction on it; no one needs the tables. The answer (a new key's secret
 * included) goes back to the invoker only: the log line says what was done, never the result.
 *
 *   aws lambda invoke --function-name softland-prod-admin \
 *     --cli-binary-format raw-in-base64-out --payload '{"command":"tenant.create","name":"Exchange One"}' out.json
 */
export const handler = middy(async (event: unknown): Promise<AdminOutcome> => {
  const parsed = AdminRequestSchema.safeParse(event);
  if (!parsed.success) {
    const error = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
    logger.warn({ message: 'admin request refused', error });
    return { ok: false, error };
  }
  const { command, ...names } = parsed.data;
  const outcome = await runAdmin(stores, parsed.data);
  // Names and ids only: a tenant's name and ids are not secret, a key's secret is.
  logger.info({ message: 'admin request', command, ...('tenantId' in names ? { tenantId: names.tenantId } : {}), ...('keyId' in names ? { keyId: names.keyId } : {}), ok: outcome.ok });
  return outcome;
}).use([traced, ...middlewares]);
