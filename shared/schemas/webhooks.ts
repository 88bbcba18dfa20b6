import { z } from 'zod';
import { AccountAssessmentSummarySchema, listOf } from './api.ts';
import { LiquidationPlanSchema, TierSchema } from './assessment.ts';
import { Identifier, Timestamp } from './fields.ts';
import { LiquidationFillSchema, LiquidationSchema } from './liquidations.ts';

/** Events an endpoint can subscribe to (`webhook.test` is sent only on request). */
export const WEBHOOK_EVENT_TYPES = [
  'account.tier_changed',
  'account.recovered',
  'market.stale',
  'account.unassessable',
  'liquidation.opened',
  'liquidation.filled',
  'liquidation.escalated',
  'liquidation.resolved',
  'liquidation.cancelled',
] as const;

/**
 * Endpoints a tenant may register: every event fans out to each of them, so an unbounded
 * number would multiply one tenant's deliveries (and outbound requests) without limit.
 */
export const MAX_WEBHOOK_ENDPOINTS = 16;

const EventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not repeat an event type');

const Url = z.string().min(1).max(2048).describe('https URL that receives the events');

export const WebhookEndpointCreateSchema = z
  .strictObject({ url: Url, events: EventTypes, description: z.string().max(200).optional() })
  .meta({ id: 'WebhookEndpointCreate' });

export const WebhookEndpointUpdateSchema = z
  .strictObject({
    url: Url.optional(),
    events: EventTypes.optional(),
    description: z.string().max(200).nullable().optional(),
    /** Turn delivery on or off (an endpoint disabled after a 410 is turned on again here). */
    enabled: z.boolean().optional(),
  })
  .meta({ id: 'WebhookEndpointUpdate' });

export const RotateSecretSchema = z
  .strictObject({
    /**
     * How long the old secret keeps signing beside the new one. Default 86,400 s (a day); at most a week.
     * Only one old secret is kept: rotating again ends the grace of the one before.
     */
    graceSeconds: z.number().int().min(0).max(7 * 86_400).default(86_400),
  })
  .meta({ id: 'RotateSecret' });

export const WebhookEndpointSchema = z
  .object({
    object: z.literal('webhook_endpoint'),
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: z.string().nullable(),
    enabled: z.boolean(),
    /** Why Softland disabled the endpoint (it answered 410), or null. */
    disabledReason: z.string().nullable(),
    /** The signing secret (whsec_…): only in the answers that create it (create, rotate). */
    secret: z.string().optional(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookEndpointListSchema = listOf(WebhookEndpointSchema, 'WebhookEndpointList');

export const DeliverySchema = z
  .object({
    object: z.literal('webhook_delivery'),
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    createdAt: Timestamp,
    lastAttemptAt: Timestamp.nullable(),
    nextAttemptAt: Timestamp.nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: Timestamp.nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export const DeliveryListSchema = listOf(DeliverySchema, 'WebhookDeliveryList');

export const EndpointIdParams = z.object({
  id: z.string().regex(/^we_[0-9A-Z]{26}$/, 'must be a webhook endpoint id (we_…)').meta({ param: { name: 'id', in: 'path' } }),
});

export const DeliveryParams = EndpointIdParams.extend({
  deliveryId: z.string().regex(/^dlv_[0-9a-f]{32}_[0-9A-Z]{26}$/, 'must be a delivery id (dlv_…)').meta({ param: { name: 'deliveryId', in: 'path' } }),
});

/** The body of every webhook: `{ type, timestamp, data }` (Standard Webhooks). */
const envelope = <T extends z.ZodType>(type: string, data: T, id: string) =>
  z.object({ type: z.literal(type), timestamp: Timestamp, data }).meta({ id });

export const TierChangedPayload = envelope(
  'account.tier_changed',
  z.object({
    accountId: Identifier,
    from: TierSchema.nullable(),
    to: TierSchema,
    assessment: AccountAssessmentSummarySchema,
    /** The recommended slice (null when the new tier needs none). */
    liquidation: LiquidationPlanSchema.nullable(),
  }),
  'AccountTierChangedEvent',
);

export const RecoveredPayload = envelope(
  'account.recovered',
  z.object({ accountId: Identifier, from: TierSchema, to: TierSchema, assessment: AccountAssessmentSummarySchema }),
  'AccountRecoveredEvent',
);

export const UnassessablePayload = envelope(
  'account.unassessable',
  z.object({
    accountId: Identifier,
    /** Why it cannot be assessed, e.g. no market price for one of its assets. */
    reason: z.string(),
    /** The failing fields, as a problem names them. */
    errors: z.array(z.object({ field: z.string(), message: z.string() })),
  }),
  'AccountUnassessableEvent',
);

export const TestPayload = envelope(
  'webhook.test',
  z.object({
    /** The endpoint the test was sent to. */
    endpointId: z.string(),
  }),
  'WebhookTestEvent',
);

export const MarketStalePayload = envelope(
  'market.stale',
  z.object({
    sweepId: z.string(),
    /** market_missing or market_stale */
    reason: z.string(),
    marketAsOf: Timestamp.nullable(),
  }),
  'MarketStaleEvent',
);

/** The five liquidation events share one shape: the account and the liquidation after the transition. */
const liquidationPayload = <T extends string>(type: T, id: string) =>
  envelope(type, z.object({ accountId: Identifier, liquidation: LiquidationSchema }), id);

export const LiquidationOpenedPayload = liquidationPayload('liquidation.opened', 'LiquidationOpenedEvent');
export const LiquidationFilledPayload = envelope(
  'liquidation.filled',
  z.object({ accountId: Identifier, liquidation: LiquidationSchema, /** The fill that caused it. */ fill: LiquidationFillSchema }),
  'LiquidationFilledEvent',
);
export const LiquidationEscalatedPayload = liquidationPayload('liquidation.escalated', 'LiquidationEscalatedEvent');
export const LiquidationResolvedPayload = liquidationPayload('liquidation.resolved', 'LiquidationResolvedEvent');
export const LiquidationCancelledPayload = liquidationPayload('liquidation.cancelled', 'LiquidationCancelledEvent');
