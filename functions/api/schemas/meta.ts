import { z } from 'zod';

/** The answers of /health and /health/ready. */

export const HealthSchema = z
  .object({
    status: z.literal('ok').describe('Always `ok`: the process answers'),
    version: z.string().describe('Version of the API serving the request (the OpenAPI document\'s info.version)'),
  })
  .meta({ id: 'Health', description: 'Liveness: the service process is up. It reads nothing.' });
export const ReadinessSchema = HealthSchema.extend({
  database: z.literal('ok').describe('Always `ok`: DynamoDB answered a read (when it does not, the answer is a 503 problem instead)'),
}).meta({ id: 'Readiness', description: 'Readiness: the service is up and its database answers.' });
