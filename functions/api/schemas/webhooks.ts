import { z } from 'zod';
import { Timestamp } from '../../../shared/schemas/fields.ts';
import { WEBHOOK_EVENT_TYPES } from '../../../shared/schemas/webhooks.ts';
import { listOf } from './lists.ts';

/** Webhook endpoints and their deliveries, as the API takes and shows them. */

const EventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not repeat an event type');

const Url = z.string().min(1).max(2048).describe('https URL that receives the events');

export const WebhookEndpointCreateSchema = z
  .strictObject({
    url: Url,
    events: EventTypes.describe('The event types to send to this endpoint: at least one, none repeated'),
    description: z.string().max(200).optional().describe('Your note about the endpoint, up to 200 characters'),
  })
  .meta({ id: 'WebhookEndpointCreate', description: 'A webhook endpoint to register.' });

export const WebhookEndpointUpdateSchema = z
  .strictObject({
    url: Url.optional(),
    events: EventTypes.optional().describe('The event types to send to this endpoint, replacing the list: at least one, none repeated'),
    description: z.string().max(200).nullable().optional().describe('Your note about the endpoint, up to 200 characters; null removes it'),
    enabled: z.boolean().optional().describe('Turn delivery on or off (an endpoint disabled after a 410 is turned on again here)'),
  })
  .meta({ id: 'WebhookEndpointUpdate', description: 'Changes to a webhook endpoint: only the fields sent change.' });

export const RotateSecretSchema = z
  .strictObject({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400)
      .describe(
        'Seconds the old secret keeps signing beside the new one: 0 ends it at once; default 86,400 (a day), at most 604,800 (a week). ' +
          'Only one old secret is kept: rotating again ends the grace of the one before',
      ),
  })
  .meta({ id: 'RotateSecret', description: 'Options of a signing secret rotation; the body may be left out.' });

export const WebhookEndpointSchema = z
  .object({
    object: z.literal('webhook_endpoint').describe('Always `webhook_endpoint`'),
    id: z.string().describe('The endpoint\'s id (we_…)'),
    url: z.string().describe('The https URL events are POSTed to'),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).describe('The event types sent to this endpoint'),
    description: z.string().nullable().describe('Your note about the endpoint; null when none'),
    enabled: z.boolean().describe('Whether events are delivered to it: false when you turned it off, or Softland did (see `disabledReason`)'),
    disabledReason: z
      .string()
      .nullable()
      .describe('Why Softland disabled the endpoint (it answered 410 Gone), or null; cleared when you enable it again'),
    secret: z
      .string()
      .optional()
      .describe('The signing secret (whsec_…): only in the answers that create it (create, rotate), never in a replay of them'),
    createdAt: Timestamp.describe('When the endpoint was registered (ISO 8601, UTC)'),
    updatedAt: Timestamp.describe('When the endpoint last changed: an update, a rotation, or Softland disabling it (ISO 8601, UTC)'),
    circuit: z
      .object({
        failures: z.number().int().describe('Consecutive attempts the endpoint did not take (timeouts, no connection, 5xx); 0 after a delivery'),
        openUntil: Timestamp.nullable().describe(
          'While in the future, deliveries to the endpoint wait (no attempt is spent) until then: set after 5 consecutive failures, for 1 minute, doubling with each further one up to 1 hour; null when closed',
        ),
      })
      .describe('The endpoint\'s circuit breaker, so one dead receiver costs the dispatcher little (docs/sweeps-and-webhooks.md)'),
  })
  .meta({ id: 'WebhookEndpoint', description: 'A URL that receives the tenant\'s events, signed per Standard Webhooks.' });

export const WebhookEndpointListSchema = listOf(WebhookEndpointSchema, 'WebhookEndpointList', {
  description: 'One page of the tenant\'s webhook endpoints, by id.',
  data: 'The endpoints of this page, by id (without their secrets)',
});

export const DeliverySchema = z
  .object({
    object: z.literal('webhook_delivery').describe('Always `webhook_delivery`'),
    id: z.string().describe('The delivery\'s id (dlv_…): one per event and endpoint'),
    endpointId: z.string().describe('The endpoint it goes to (we_…)'),
    eventId: z.string().describe('The event delivered (evt_…): the `webhook-id` header of every attempt'),
    eventType: z.string().describe('The event\'s type, e.g. `account.tier_changed` or `webhook.test`'),
    status: z
      .enum(['pending', 'delivered', 'failed'])
      .describe('`pending` until an attempt gets a 2xx (`delivered`) or Softland gives up (`failed`: retries ran out, a 410, a refused address, or the endpoint deleted or disabled)'),
    attempts: z.number().int().describe('Attempts made so far (a retry by hand does not reset it)'),
    createdAt: Timestamp.describe('When the delivery was queued (ISO 8601, UTC)'),
    lastAttemptAt: Timestamp.nullable().describe('When the latest attempt started (ISO 8601, UTC); null before the first'),
    nextAttemptAt: Timestamp.nullable().describe('When the next attempt is due (ISO 8601, UTC) while pending; null once delivered or failed'),
    lastStatus: z
      .number()
      .int()
      .nullable()
      .describe('HTTP status of the latest attempt the endpoint answered; null when none answered'),
    lastError: z
      .string()
      .nullable()
      .describe('Why the latest attempt did not deliver, e.g. `server_error`, `timeout`, `gone`; null when none failed, or once delivered'),
    deliveredAt: Timestamp.nullable().describe('When an attempt got a 2xx (ISO 8601, UTC); null until delivered'),
  })
  .meta({ id: 'WebhookDelivery', description: 'The delivery of one event to one endpoint, with its attempts and schedule.' });

export const DeliveryListSchema = listOf(DeliverySchema, 'WebhookDeliveryList', {
  description: 'One page of an endpoint\'s deliveries, newest first.',
  data: 'The deliveries of this page, newest first',
});

export const EndpointIdParams = z.object({
  id: z.string().regex(/^we_[0-9A-Z]{26}$/, 'must be a webhook endpoint id (we_…)').meta({ param: { name: 'id', in: 'path' } }),
});

export const DeliveryParams = EndpointIdParams.extend({
  deliveryId: z.string().regex(/^dlv_[0-9a-f]{32}_[0-9A-Z]{26}$/, 'must be a delivery id (dlv_…)').meta({ param: { name: 'deliveryId', in: 'path' } }),
});
