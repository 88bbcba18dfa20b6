import { z } from 'zod';
import { LIQUIDATION_STATUSES, LiquidationSchema } from '../../../shared/schemas/liquidations.ts';
import { listOf, PageQuery } from './lists.ts';

/** Liquidations: their listing, its filter, and their ids. */

export const LiquidationListSchema = listOf(LiquidationSchema, 'LiquidationList', {
  description: 'One page of the tenant\'s liquidations, newest first.',
  data: 'The liquidations of this page, newest first, each priced now',
});

export const LIQUIDATION_FILTERS = ['active', ...LIQUIDATION_STATUSES] as const;

export const LiquidationListQuery = PageQuery.extend({
  status: z
    .enum(LIQUIDATION_FILTERS)
    .optional()
    .meta({ param: { name: 'status', in: 'query' }, description: 'One status, or `active` for every liquidation a liquidator can fill (open, partially_filled, escalated)' }),
});

export const LiquidationParams = z.object({
  id: z.string().regex(/^liq_[0-9A-Z]{26}$/, 'must be a liquidation id (liq_…)').meta({ param: { name: 'id', in: 'path' }, example: 'liq_01JDZ8X7Q4M5V2N9T3K6P8R1WC' }),
});
