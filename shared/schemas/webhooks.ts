import { z } from 'zod';
import { LiquidationPlanSchema, TierSchema } from './assessment.ts';
import { Identifier, Timestamp } from './fields.ts';
import { LiquidationFillSchema, LiquidationSchema } from './liquidations.ts';
import { AccountAssessmentSummarySchema } from './summaries.ts';

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

/** What an event says about itself, for the OpenAPI document: the component and its `data`. */
interface EventDescriptions {
  readonly description: string;
  readonly data: string;
}

/** The body of every webhook: `{ type, timestamp, data }` (Standard Webhooks). */
const envelope = <T extends z.ZodObject>(type: string, data: T, id: string, describe: EventDescriptions) =>
  z
    .object({
      type: z.literal(type).describe(`The event type: always \`${type}\``),
      timestamp: Timestamp.describe('When the event happened (ISO 8601, UTC), not when this attempt was sent: the same on every retry'),
      data: data.describe(describe.data),
    })
    .meta({ id, description: describe.description });

const AccountIdField = Identifier.describe('The registered account (your accountId)');

export const TierChangedPayload = envelope(
  'account.tier_changed',
  z.object({
    accountId: AccountIdField,
    from: TierSchema.nullable().describe('The tier reported before; null for the account\'s first reported tier (announced only when tier1 or worse)'),
    to: TierSchema.describe('The tier reported now (with hysteresis: worse at once, better only with a margin to spare)'),
    assessment: AccountAssessmentSummarySchema,
    liquidation: LiquidationPlanSchema.nullable(),
  }),
  'AccountTierChangedEvent',
  {
    description: 'An account\'s reported tier changed: any change but a move out of the liquidation tiers, which is `account.recovered`.',
    data: 'The account, its tiers before and after, the summary of the assessment that moved it (`assessment.assessmentId` reads it in full), and `liquidation`: the recommended slice, null when the new tier needs none',
  },
);

export const RecoveredPayload = envelope(
  'account.recovered',
  z.object({
    accountId: AccountIdField,
    from: TierSchema.describe('The tier reported before: tier1 or worse'),
    to: TierSchema.describe('The tier reported now: warning or healthy'),
    assessment: AccountAssessmentSummarySchema,
  }),
  'AccountRecoveredEvent',
  {
    description: 'An account left the liquidation tiers (tier1 or worse) for warning or healthy.',
    data: 'The account, its tiers before and after, and the summary of the assessment that moved it (`assessment.assessmentId` reads it in full)',
  },
);

export const UnassessablePayload = envelope(
  'account.unassessable',
  z.object({
    accountId: AccountIdField,
    reason: z.string().describe('Why it cannot be assessed, for people: e.g. no market price for one of its assets, or an option that cannot be valued'),
    errors: z
      .array(
        z.object({
          field: z.string().describe('Path of the failing field of the book, as a problem names it, e.g. `collateral[0].asset`'),
          message: z.string().describe('What is wrong with it, for people'),
        }),
      )
      .describe('The failing fields, as a problem names them'),
  }),
  'AccountUnassessableEvent',
  {
    description:
      'A registered account cannot be assessed (its registration or a sweep found it): sent once per reason. The account carries the same `assessmentError` until an assessment succeeds.',
    data: 'The account and why it cannot be assessed',
  },
);

export const TestPayload = envelope(
  'webhook.test',
  z.object({
    endpointId: z.string().describe('The endpoint the test was sent to (we_…)'),
  }),
  'WebhookTestEvent',
  {
    description: 'A test event, sent only on request (POST /v1/webhook-endpoints/{id}/test) to check a receiver.',
    data: 'The endpoint tested',
  },
);

export const MarketStalePayload = envelope(
  'market.stale',
  z.object({
    sweepId: z.string().describe('The sweep that refused the market data (swp_…)'),
    reason: z
      .string()
      .describe('`market_missing` (no market data pushed yet) or `market_stale` (the data is older than the `default` profile allows: 5 minutes)'),
    marketAsOf: Timestamp.nullable().describe('The stored market data\'s `asOf` (ISO 8601); null when there is none'),
  }),
  'MarketStaleEvent',
  {
    description: 'A sweep refused missing or stale market data: it assessed nothing.',
    data: 'The sweep, why it refused the market data, and how old that data is',
  },
);

/** The five liquidation events share one shape: the account and the liquidation after the transition. */
const liquidationPayload = <T extends string>(type: T, id: string, description: string) =>
  envelope(type, z.object({ accountId: AccountIdField, liquidation: LiquidationSchema }), id, {
    description,
    data: 'The account and the liquidation after the transition, as GET /v1/liquidations/{id} shows it, priced at the transition',
  });

export const LiquidationOpenedPayload = liquidationPayload('liquidation.opened', 'LiquidationOpenedEvent', 'A liquidation opened on an account: its steps\' auctions started.');
export const LiquidationFilledPayload = envelope(
  'liquidation.filled',
  z.object({ accountId: AccountIdField, liquidation: LiquidationSchema, fill: LiquidationFillSchema.describe('The fill that caused it') }),
  'LiquidationFilledEvent',
  {
    description: 'A fill of a liquidation step was accepted.',
    data: 'The account, the liquidation after the fill and its re-assessment (priced then), and the fill',
  },
);
export const LiquidationEscalatedPayload = liquidationPayload(
  'liquidation.escalated',
  'LiquidationEscalatedEvent',
  'The tier worsened, an auction ran its course, or every step was filled short of the target: a new plan revision replaced the unfilled steps.',
);
export const LiquidationResolvedPayload = liquidationPayload(
  'liquidation.resolved',
  'LiquidationResolvedEvent',
  'A liquidation closed after fills: the account reached the target, or left the liquidation tiers and its auctions ran out (or every step was filled).',
);
export const LiquidationCancelledPayload = liquidationPayload(
  'liquidation.cancelled',
  'LiquidationCancelledEvent',
  'A liquidation closed with no fill: the account recovered on its own, or was deleted.',
);
