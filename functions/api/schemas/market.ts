import { z } from 'zod';
import { Timestamp } from '../../../shared/schemas/fields.ts';
import { MarketSchema } from '../../../shared/schemas/snapshot.ts';

/** The tenant's market data: a push, and the stored data. */

export const MarketUpdateSchema = z
  .strictObject({
    market: MarketSchema.describe(
      'Price (and optionally annualised volatility) per asset symbol, e.g. `{ "BTC": { "price": 97000, "volatility": 0.55 } }`; ' +
        'prices in the quote asset (USD by default). Replaces the stored market as a whole',
    ),
    asOf: Timestamp.optional().describe(
      'When the prices were observed (ISO 8601); default now. Older than the stored data, or more than a minute ahead of the server\'s clock, is refused',
    ),
    force: z
      .boolean()
      .default(false)
      .describe('Accept prices that moved more than the `default` profile allows (30%) since the previous push. Default false'),
  })
  .meta({ id: 'MarketUpdate', description: 'A market data push: replaces the tenant\'s market data.' });

export const MarketSchemaOut = z
  .object({
    object: z.literal('market').describe('Always `market`'),
    market: MarketSchema.describe('Price (and volatility, when pushed) per asset symbol, as last pushed; prices in the quote asset (USD by default)'),
    asOf: Timestamp.describe('When the prices were observed (ISO 8601): the push\'s `asOf` as sent, or the time of the push when it gave none'),
    updatedAt: Timestamp.describe('When Softland stored the push (ISO 8601, UTC)'),
  })
  .meta({ id: 'Market', description: 'The tenant\'s market data: the latest push, which sweeps assess registered accounts with.' });
