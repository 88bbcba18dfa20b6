import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  LiquidationCancelledPayload,
  LiquidationEscalatedPayload,
  LiquidationFilledPayload,
  LiquidationOpenedPayload,
  LiquidationResolvedPayload,
  MarketStalePayload,
  RecoveredPayload,
  TestPayload,
  TierChangedPayload,
  UnassessablePayload,
  type WEBHOOK_EVENT_TYPES,
} from '../../../shared/schemas/webhooks.ts';
import { validate } from '../../../shared/schemas/validate.ts';
import type { Delivery } from '../../../shared/store/deliveries.ts';
import { ConflictError } from '../../../shared/store/errors.ts';
import type { Stores } from '../../../shared/store/index.ts';
import { CLOSED_CIRCUIT, type Circuit, type WebhookEndpoint } from '../../../shared/store/webhook-endpoints.ts';
import { checkWebhookUrl } from '../../../shared/webhooks/address-policy.ts';
import { changedEndpoint, MAX_WEBHOOK_ENDPOINTS, newEndpoint, queueTestEvent, rotatedSecret } from '../../../shared/webhooks/endpoints.ts';
import { WebhookUrlError } from '../../../shared/webhooks/errors.ts';
import type { ApiEnv } from '../env.ts';
import { ApiProblem, problems } from '../problems.ts';
import { DeletedSchema, IdempotencyHeaders } from '../schemas/common.ts';
import { listAnswer, PageQuery } from '../schemas/lists.ts';
import {
  DeliveryListSchema,
  DeliveryParams,
  DeliverySchema,
  EndpointIdParams,
  RotateSecretSchema,
  WebhookEndpointCreateSchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookEndpointUpdateSchema,
} from '../schemas/webhooks.ts';
import { causes, errorResponses, jsonContent, secured } from '../openapi-parts.ts';

const tags = ['Webhooks'];
const route = <R extends Parameters<typeof createRoute>[0]>(r: R) => createRoute({ tags, ...secured, ...r });

const create = route({
  method: 'post',
  path: '/v1/webhook-endpoints',
  operationId: 'createWebhookEndpoint',
  summary: 'Register a webhook endpoint',
  description:
    'Returns the endpoint with its signing secret (whsec_…), shown only in this answer and when rotated. Only https URLs; addresses are checked again at every delivery. ' +
    `A tenant has at most ${MAX_WEBHOOK_ENDPOINTS} endpoints.`,
  request: { headers: IdempotencyHeaders, body: { required: true, content: jsonContent(WebhookEndpointCreateSchema) } },
  responses: {
    201: { description: 'The endpoint, with its secret', content: jsonContent(WebhookEndpointSchema) },
    ...errorResponses(400, 401, 409, 413, 415, [422, causes.idempotencyKeyReused, `\`limit_exceeded\`: the tenant already has ${MAX_WEBHOOK_ENDPOINTS} endpoints; delete one first`], 503),
  },
});
const list = route({
  method: 'get',
  path: '/v1/webhook-endpoints',
  operationId: 'listWebhookEndpoints',
  summary: 'List webhook endpoints',
  request: { query: PageQuery },
  responses: { 200: { description: 'One page of endpoints, by id', content: jsonContent(WebhookEndpointListSchema) }, ...errorResponses(400, 401, 503) },
});
const get = route({
  method: 'get',
  path: '/v1/webhook-endpoints/{id}',
  operationId: 'getWebhookEndpoint',
  summary: 'Retrieve a webhook endpoint',
  request: { params: EndpointIdParams },
  responses: { 200: { description: 'The endpoint', content: jsonContent(WebhookEndpointSchema) }, ...errorResponses(400, 401, 404, 503) },
});
const update = route({
  method: 'patch',
  path: '/v1/webhook-endpoints/{id}',
  operationId: 'updateWebhookEndpoint',
  summary: 'Change events, URL or enabled',
  request: { params: EndpointIdParams, body: { required: true, content: jsonContent(WebhookEndpointUpdateSchema) } },
  responses: { 200: { description: 'The endpoint', content: jsonContent(WebhookEndpointSchema) }, ...errorResponses(400, 401, 404, [409, causes.concurrentChange], 413, 415, 503) },
});
const remove = route({
  method: 'delete',
  path: '/v1/webhook-endpoints/{id}',
  operationId: 'deleteWebhookEndpoint',
  summary: 'Delete a webhook endpoint',
  request: { params: EndpointIdParams },
  responses: { 200: { description: 'Deleted', content: jsonContent(DeletedSchema) }, ...errorResponses(400, 401, 404, 503) },
});
const rotate = route({
  method: 'post',
  path: '/v1/webhook-endpoints/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  summary: 'Rotate the signing secret',
  description:
    'Returns the new secret. The old one keeps signing beside it (two v1 signatures) for `graceSeconds`. Only that one old secret is kept: ' +
    'rotating again ends its grace at once, and older secrets stop signing.',
  request: { params: EndpointIdParams, headers: IdempotencyHeaders, body: { required: false, content: jsonContent(RotateSecretSchema) } },
  responses: {
    200: { description: 'The endpoint, with its new secret', content: jsonContent(WebhookEndpointSchema) },
    ...errorResponses(400, 401, 404, [409, causes.idempotencyInProgress, causes.concurrentChange], 413, 415, 422, 503),
  },
});
const test = route({
  method: 'post',
  path: '/v1/webhook-endpoints/{id}/test',
  operationId: 'sendTestWebhook',
  summary: 'Send a webhook.test event to this endpoint',
  request: { params: EndpointIdParams, headers: IdempotencyHeaders },
  responses: { 202: { description: 'The delivery, queued', content: jsonContent(DeliverySchema) }, ...errorResponses(400, 401, 404, 409, 413, 415, 422, 503) },
});
const deliveries = route({
  method: 'get',
  path: '/v1/webhook-endpoints/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  summary: "An endpoint's deliveries, newest first",
  request: { params: EndpointIdParams, query: PageQuery },
  responses: { 200: { description: 'One page of deliveries, newest first', content: jsonContent(DeliveryListSchema) }, ...errorResponses(400, 401, 404, 503) },
});
const retry = route({
  method: 'post',
  path: '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
  operationId: 'retryWebhookDelivery',
  summary: 'Queue a failed delivery again',
  request: { params: DeliveryParams, headers: IdempotencyHeaders },
  responses: {
    202: { description: 'The delivery, queued', content: jsonContent(DeliverySchema) },
    ...errorResponses(400, 401, 404, [409, '`delivery_not_failed`: only failed deliveries can be retried', causes.idempotencyInProgress], 413, 415, 422, 503),
  },
});

const endpointBody = (e: WebhookEndpoint, circuit: Circuit, secret?: string) => ({
  object: 'webhook_endpoint' as const,
  id: e.endpointId,
  url: e.url,
  events: e.events as Array<(typeof WEBHOOK_EVENT_TYPES)[number]>,
  description: e.description,
  enabled: e.enabled,
  disabledReason: e.disabledReason,
  ...(secret ? { secret } : {}),
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
  circuit: { failures: circuit.failures, openUntil: circuit.openUntil },
});

const deliveryBody = (d: Delivery) => ({
  object: 'webhook_delivery' as const,
  id: d.deliveryId,
  endpointId: d.endpointId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  createdAt: d.createdAt,
  lastAttemptAt: d.lastAttemptAt,
  nextAttemptAt: d.nextAttemptAt,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  deliveredAt: d.deliveredAt,
});

/** Refuses a new endpoint beyond the cap (see MAX_WEBHOOK_ENDPOINTS for why there is one). */
const endpointLimitExceeded = () =>
  new ApiProblem(422, 'limit_exceeded', 'Limit exceeded', `a tenant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first`, {
    errors: [{ field: '(body)', message: `at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints per tenant` }],
  });

export interface WebhookRouteOptions {
  /** Development only: accept http and loopback URLs. */
  readonly allowInsecureLocal: boolean;
}

export function webhookRoutes(app: OpenAPIHono<ApiEnv>, stores: Stores, options: WebhookRouteOptions): void {
  const checkUrl = (url: string) => {
    try {
      return checkWebhookUrl(url, { allowInsecureLocal: options.allowInsecureLocal }).toString();
    } catch (error) {
      if (error instanceof WebhookUrlError) throw problems.invalidRequest([{ field: 'url', message: error.message }]);
      throw error;
    }
  };
  const load = async (tenantId: string, id: string) => {
    const endpoint = await stores.webhookEndpoints.get(tenantId, id);
    if (!endpoint) throw problems.notFound(`no webhook endpoint ${id}`);
    return endpoint;
  };
  const save = async (tenantId: string, endpoint: WebhookEndpoint) => {
    if (!(await stores.webhookEndpoints.save(tenantId, endpoint))) throw new ConflictError(`webhook endpoint ${endpoint.endpointId}`);
  };

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const { endpoint, secret } = newEndpoint({ ...body, url: checkUrl(body.url) }, new Date());
    // The cap is the store's transaction condition: exact however many creates race.
    if ((await stores.webhookEndpoints.create(c.get('tenantId'), endpoint, MAX_WEBHOOK_ENDPOINTS)) === 'limit_exceeded') throw endpointLimitExceeded();
    return c.json(endpointBody(endpoint, CLOSED_CIRCUIT, secret), 201);
  });

  app.openapi(list, async (c) => {
    const tenantId = c.get('tenantId');
    const [page, circuits] = await Promise.all([stores.webhookEndpoints.page(tenantId, c.req.valid('query')), stores.webhookEndpoints.circuits(tenantId)]);
    return c.json(listAnswer(page, (e) => endpointBody(e, circuits.get(e.endpointId) ?? CLOSED_CIRCUIT)), 200);
  });

  app.openapi(get, async (c) => {
    const tenantId = c.get('tenantId');
    const endpoint = await load(tenantId, c.req.valid('param').id);
    return c.json(endpointBody(endpoint, await stores.webhookEndpoints.circuit(tenantId, endpoint.endpointId)), 200);
  });

  app.openapi(update, async (c) => {
    const tenantId = c.get('tenantId');
    const endpoint = await load(tenantId, c.req.valid('param').id);
    const patch = c.req.valid('json');
    const next = changedEndpoint(endpoint, { ...patch, url: patch.url === undefined ? undefined : checkUrl(patch.url) }, new Date());
    await save(tenantId, next);
    return c.json(endpointBody(next, await stores.webhookEndpoints.circuit(tenantId, next.endpointId)), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await stores.webhookEndpoints.delete(c.get('tenantId'), id))) throw problems.notFound(`no webhook endpoint ${id}`);
    return c.json({ object: 'webhook_endpoint', id, deleted: true as const }, 200);
  });

  app.openapi(rotate, async (c) => {
    const tenantId = c.get('tenantId');
    const endpoint = await load(tenantId, c.req.valid('param').id);
    const { graceSeconds } = validate(RotateSecretSchema, c.get('body') ?? {});
    const { endpoint: next, secret } = rotatedSecret(endpoint, graceSeconds, new Date());
    await save(tenantId, next);
    return c.json(endpointBody(next, await stores.webhookEndpoints.circuit(tenantId, next.endpointId), secret), 200);
  });

  app.openapi(test, async (c) => {
    const tenantId = c.get('tenantId');
    const endpoint = await load(tenantId, c.req.valid('param').id);
    const deliveryId = await queueTestEvent(stores, tenantId, endpoint.endpointId, c.get('requestId'), new Date());
    return c.json(deliveryBody((await stores.deliveries.get(tenantId, deliveryId))!), 202);
  });

  app.openapi(deliveries, async (c) => {
    const tenantId = c.get('tenantId');
    const endpoint = await load(tenantId, c.req.valid('param').id);
    return c.json(listAnswer(await stores.deliveries.listByEndpoint(tenantId, endpoint.endpointId, c.req.valid('query')), deliveryBody), 200);
  });

  app.openapi(retry, async (c) => {
    const tenantId = c.get('tenantId');
    const { id, deliveryId } = c.req.valid('param');
    const delivery = await stores.deliveries.get(tenantId, deliveryId);
    if (!delivery || delivery.endpointId !== id) throw problems.notFound(`no delivery ${deliveryId} for endpoint ${id}`);
    if (!(await stores.deliveries.retry(tenantId, deliveryId, new Date()))) {
      throw new ApiProblem(409, 'delivery_not_failed', 'Delivery not failed', `delivery ${deliveryId} is ${delivery.status}: only failed deliveries can be retried`);
    }
    return c.json(deliveryBody((await stores.deliveries.get(tenantId, deliveryId))!), 202);
  });

  // The outgoing events, for the OpenAPI document's `webhooks` section.
  app.openAPIRegistry.registerComponent('securitySchemes', 'webhookSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description: 'Standard Webhooks signature: verify it with the endpoint secret (e.g. the standardwebhooks library) before trusting the body.',
  });
  for (const [name, operationId, schema, summary] of [
    ['account.tier_changed', 'accountTierChanged', TierChangedPayload, 'An account moved to another tier (with the recommended slice)'],
    ['account.recovered', 'accountRecovered', RecoveredPayload, 'An account left the liquidation tiers'],
    ['market.stale', 'marketStale', MarketStalePayload, 'A sweep refused missing or stale market data'],
    ['account.unassessable', 'accountUnassessable', UnassessablePayload, 'An account cannot be assessed (an asset the market does not price, …): once per reason'],
    ['liquidation.opened', 'liquidationOpened', LiquidationOpenedPayload, "A liquidation opened on an account's plan: its steps' auctions started"],
    ['liquidation.filled', 'liquidationFilled', LiquidationFilledPayload, 'A step was filled (with the fill and the liquidation after it)'],
    ['liquidation.escalated', 'liquidationEscalated', LiquidationEscalatedPayload, 'The tier worsened or an auction ran its course: a new plan revision replaced the unfilled steps'],
    ['liquidation.resolved', 'liquidationResolved', LiquidationResolvedPayload, 'The account reached the target after fills'],
    ['liquidation.cancelled', 'liquidationCancelled', LiquidationCancelledPayload, 'The account recovered with no fill'],
    ['webhook.test', 'webhookTest', TestPayload, 'Sent only on request (POST /v1/webhook-endpoints/{id}/test), to check a receiver'],
  ] as const) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: name,
      operationId,
      tags,
      security: [{ webhookSignature: [] }],
      summary,
      description:
        'Signed per Standard Webhooks: headers webhook-id (the event id, stable across retries), webhook-timestamp and ' +
        'webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>, one per active secret). Answer 2xx within 15 s; 410 disables the endpoint.',
      request: { body: { required: true, content: jsonContent(schema) } },
      responses: { 200: { description: 'Received' } },
    });
  }
}
