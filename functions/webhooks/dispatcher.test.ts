/**
 * The dispatcher's Lambda handler (unbundled) against DynamoDB Local and local receivers:
 * a run's deliveries by outcome, published as EMF metrics (the stack's alarms read two).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_METRICS } from '../../infra/constructs/monitoring.ts';
import { newId } from '../../shared/ids.ts';
import type { DispatchCounts } from '../../shared/webhooks/dispatch-outbox.ts';
import { freshStores } from '../../test/dynamo.ts';
import { captureOutput, lambdaContext, metricLines, setLambdaEnv } from '../../test/lambda.ts';
import { createMarketStaleEndpoint } from '../../test/webhook-endpoints.ts';
import { METRIC } from '../observability.ts';

type Handler = (event: unknown, context: Context) => Promise<DispatchCounts>;

let handler: Handler;
let fresh: Awaited<ReturnType<typeof freshStores>>;
const receivers: Server[] = [];

/** A receiver that answers every webhook with `status`. */
async function receiver(status: number): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status).end();
  });
  receivers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

beforeAll(async () => {
  fresh = await freshStores();
  setLambdaEnv(fresh, {
    // Receivers on loopback over http (development only).
    SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL: '1',
    POWERTOOLS_SERVICE_NAME: 'softland-test-dispatcher',
  });
  ({ handler } = (await import('./dispatcher.ts')) as unknown as { handler: Handler });
});

afterAll(() => {
  for (const server of receivers) server.close();
});

describe('the dispatcher handler’s metrics (EMF on stdout)', () => {
  it('publishes a quiet run as zeros, under its service', async () => {
    // Less time than one attempt needs: the run starts none.
    const { result, emf } = await captureOutput(() => handler({ source: 'softland.schedule' }, lambdaContext(0)));
    expect(result).toEqual({ fannedOut: 0, attempted: 0, delivered: 0, retried: 0, failed: 0, deferred: 0 });
    for (const name of [METRIC.deliveriesDelivered, METRIC.deliveriesRetried, METRIC.deliveriesFailed, METRIC.deliveriesDeferred]) {
      expect(metricLines(emf, name), name).toEqual([expect.objectContaining({ namespace: 'Softland', dimensions: [['service']], value: 0 })]);
    }
  });

  it('publishes the run’s deliveries by outcome: delivered (2xx), retried (5xx), failed (410 Gone)', async () => {
    const { stores } = fresh;
    const tenant = await stores.tenants.create('Dispatcher metrics');
    const now = new Date().toISOString();
    for (const url of [await receiver(200), await receiver(503), await receiver(410)]) await createMarketStaleEndpoint(stores, tenant.tenantId, url);
    await stores.events.put(tenant.tenantId, { eventId: newId('evt'), type: 'market.stale', createdAt: now, data: { sweepId: 'swp_x', reason: 'market_stale', marketAsOf: null } });

    // Room for one round of attempts (15 s each, 5 s kept back), not two.
    const { result, emf } = await captureOutput(() => handler({ source: 'softland.schedule' }, lambdaContext(20_500, 'softland-test-dispatcher')));
    expect(result).toMatchObject({ fannedOut: 3, attempted: 3, delivered: 1, retried: 1, failed: 1 });
    const line = metricLines(emf, METRIC.deliveriesDelivered)[0]!.line;
    expect(line).toMatchObject({
      service: 'softland-test-dispatcher',
      WebhookDeliveriesDelivered: 1,
      WebhookDeliveriesRetried: 1,
      WebhookDeliveriesFailed: 1,
      WebhookDeliveriesDeferred: 0,
    });
    expect(line['_aws'].CloudWatchMetrics).toEqual([
      {
        Namespace: 'Softland',
        Dimensions: [['service']],
        Metrics: ['WebhookDeliveriesDelivered', 'WebhookDeliveriesRetried', 'WebhookDeliveriesFailed', 'WebhookDeliveriesDeferred'].map((Name) => ({ Name, Unit: 'Count' })),
      },
    ]);
  });

  it('publishes the names, namespace and dimension the stack’s alarms read (infra/constructs/monitoring.ts)', () => {
    expect([WEBHOOK_METRICS.namespace, WEBHOOK_METRICS.failed, WEBHOOK_METRICS.retried]).toEqual(['Softland', METRIC.deliveriesFailed, METRIC.deliveriesRetried]);
  });
});
