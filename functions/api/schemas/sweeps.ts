import { z } from 'zod';
import { Identifier, Timestamp } from '../../../shared/schemas/fields.ts';

/** Sweeps: the sweep as the API shows it, and its id. */

export const SweepSchema = z
  .object({
    object: z.literal('sweep').describe('Always `sweep`'),
    id: z.string().describe('The sweep\'s id (swp_…)'),
    status: z
      .enum(['running', 'completed', 'failed'])
      .describe(
        '`running` until every segment is done, then `completed`; `failed` when a segment could not run (see `reason`). A sweep refused for its market data is `completed` at once',
      ),
    trigger: z
      .enum(['api', 'schedule', 'price', 'profile'])
      .describe(
        'What started it: `api` (POST /v1/sweeps), `schedule` (every minute), `price` (a market push: only the accounts exposed to the changed symbols), ' +
          'or `profile` (a new version of a risk profile)',
      ),
    segments: z.number().int().describe('How many parallel segments the accounts were split into: 8 to 64, one per about 15,000 accounts of the tenant as its last completed sweep counted them; 0 when the sweep was refused for its market data'),
    segmentsDone: z.number().int().describe('Segments finished so far, 0 to `segments`'),
    counts: z
      .object({
        accounts: z.number().int().describe('Accounts the sweep read'),
        assessed: z.number().int().describe('Accounts assessed'),
        tierChanges: z.number().int().describe('Accounts whose reported tier changed'),
        events: z.number().int().describe('Events written (tier, liquidation and account.unassessable events)'),
        skipped: z.number().int().describe('Accounts rewritten meanwhile (a new book, a fill, another sweep), left to the next sweep'),
        errors: z.number().int().describe('Accounts that could not be assessed (see their `assessmentError`)'),
      })
      .describe('Totals of the segments finished so far: each segment\'s counts are added once'),
    startedAt: Timestamp.describe('When the sweep started (ISO 8601, UTC)'),
    completedAt: Timestamp.nullable().describe(
      'When the sweep ended (ISO 8601, UTC): for a completed sweep, the assessment time of the segment that finished last; the time it was ' +
        'refused for its market data, or failed. Null while running',
    ),
    reason: z
      .string()
      .nullable()
      .describe('Why nothing was assessed (`market_missing`, `market_stale`) or what failed; null otherwise'),
    unassessable: z
      .array(
        z.object({
          reason: z.string().describe('Why, as the account\'s `assessmentError.reason` says it (e.g. a collateral asset the market gives no price for)'),
          accounts: z.number().int().describe('Accounts this sweep could not assess for this reason'),
          accountIds: z.array(Identifier).describe('The first few of them (at most 5 per segment that met the reason)'),
        }),
      )
      .describe('Why the accounts in `counts.errors` could not be assessed, most accounts first; empty when every account was'),
  })
  .meta({ id: 'Sweep', description: 'A re-assessment of the tenant\'s registered accounts with its latest market data.' });

export const SweepIdParams = z.object({
  id: z.string().regex(/^swp_[0-9A-Z]{26}$/, 'must be a sweep id (swp_…)').meta({ param: { name: 'id', in: 'path' } }),
});
