import { z } from 'zod';
import type { RiskProfile } from '../risk/profile-schema.ts';
import { DEFAULT_PROFILE_NAME, findProfile } from '../risk/built-in-profiles.ts';
import { LIMITS } from './limits.ts';
import {
  AssetSymbol,
  Identifier,
  NonNegativePrice,
  Price,
  SignedAmount,
  Timestamp,
  Volatility,
} from './fields.ts';

const UNDERLYING = 'Asset symbol of the underlying (e.g. BTC); the snapshot\'s market must price it.';

export const PerpetualSchema = z.strictObject({
  type: z.literal('perpetual').describe('`perpetual`: a linear perpetual swap; its value is the unrealized PnL quantity × (mark − entryPrice).'),
  underlying: AssetSymbol.describe(UNDERLYING),
});

export const FutureSchema = z.strictObject({
  type: z.literal('future').describe('`future`: a linear dated future; its value is the unrealized PnL quantity × (mark − entryPrice).'),
  underlying: AssetSymbol.describe(UNDERLYING),
  expiry: Timestamp.describe(
    'Expiry time, ISO 8601 with an offset. With zero rates a future is valued and margined like a perpetual (its mark defaults to the underlying\'s price): the expiry changes no number of the assessment.',
  ),
});

export const OptionSchema = z.strictObject({
  type: z.literal('option').describe('`option`: a European option, valued by Black-Scholes with zero rates on the underlying\'s price.'),
  underlying: AssetSymbol.describe(UNDERLYING),
  right: z.enum(['call', 'put']).describe('`call` (the right to buy the underlying at the strike) or `put` (to sell it).'),
  strike: Price.describe('Strike price per unit of the underlying, quote currency.'),
  expiry: Timestamp.describe(
    'Expiry time, ISO 8601 with an offset; time to expiry counts from the snapshot\'s asOf (ACT/365). At or past it, until the exchange settles the option, it is worth its intrinsic value and its markPrice and impliedVolatility are not used.',
  ),
});

export const InstrumentSchema = z.discriminatedUnion('type', [PerpetualSchema, FutureSchema, OptionSchema]).meta({
  id: 'Instrument',
  description: 'What a position holds: a perpetual, a dated future or a European option on an underlying, told apart by `type` (docs/contract.md).',
});

export const PositionSchema = z.strictObject({
  id: Identifier.describe('The position\'s id, unique within the account; a liquidation plan\'s steps name it (`positionId`).'),
  instrument: InstrumentSchema,
  quantity: SignedAmount.describe('Signed units of the underlying: + long, − short. One option contract = one unit.'),
  entryPrice: NonNegativePrice.optional().describe(
    'Average entry price per unit, quote currency; perpetual and future PnL is quantity × (mark − entryPrice). Without it a perpetual\'s or future\'s value is 0 and its unrealizedPnl null.',
  ),
  markPrice: NonNegativePrice.optional().describe(
    'The exchange\'s mark price of one unit (contract), quote currency. Must be positive for a perpetual or future. Default: the underlying\'s market price for a perpetual or future, the Black-Scholes price for an option. For an option without impliedVolatility the engine solves the implied volatility from it; a live option\'s mark must lie between its intrinsic value and its no-arbitrage bound (0 is accepted for one with no intrinsic value).',
  ),
  impliedVolatility: Volatility.optional().describe(
    'Annualised volatility for this option (0.55 = 55%); overrides the one implied from markPrice and the market\'s. Not used for perpetuals, futures or options at or past expiry.',
  ),
  lotSize: Price.optional().describe(
    'Smallest tradable quantity, in units of the underlying: a liquidation step on this position is a whole number of lots, except one that closes it entirely. Without it steps can be any amount (rounded up to 10 significant digits).',
  ),
});

export const CollateralSchema = z.strictObject({
  asset: AssetSymbol.describe('Asset held (or owed), e.g. USD, USDC, BTC: the risk profile must accept it (give it a haircut).'),
  amount: SignedAmount.describe('Balance in units of the asset; negative balances are borrowed and count in full.'),
});

export const MarketEntrySchema = z.strictObject({
  price: Price.describe(
    'Price of one unit of the asset in the quote asset (USD by default): for an underlying, the price positions are valued and margined at (perpetual and future marks default to it); for a collateral asset, the price its balance is valued at.',
  ),
  volatility: Volatility.optional().describe(
    'Annualised volatility of the asset (0.55 = 55%): values options on it that have no impliedVolatility and no usable markPrice, and sizes the target of a profile with `adaptiveTarget` (built-in `adaptive`).',
  ),
});

export const MarketSchema = z
  .record(AssetSymbol, MarketEntrySchema)
  .refine((m) => Object.keys(m).length <= LIMITS.maxMarketEntries, {
    message: `must have at most ${LIMITS.maxMarketEntries} entries`,
  });

/** The account part of a snapshot: what an exchange registers, without market and time. */
const AccountObject = z.strictObject({
  collateral: z
    .array(CollateralSchema)
    .max(LIMITS.maxCollateral)
    .describe(
      'Balances by asset, one entry per asset: what the account holds (positive) or owes (negative). Each asset must be accepted by the risk profile and, except the profile\'s quote asset (USD by default, priced 1), priced in the market it is assessed with.',
    ),
  positions: z.array(PositionSchema).max(LIMITS.maxPositions).describe('Open positions, each with a unique id.'),
  profile: Identifier.default(DEFAULT_PROFILE_NAME).describe(
    'Name of the risk profile: a built-in (`default`, `standard`, `minimal`, `auction`, `adaptive`, `dynamic`) or one of the tenant\'s own (docs/risk-profiles.md). Default `default`.',
  ),
});

const SnapshotObject = z.strictObject({
  accountId: Identifier.describe('The exchange\'s id of the account.'),
  asOf: Timestamp.describe('Valuation time, ISO 8601 with an offset: options\' time to expiry counts from it.'),
  ...AccountObject.shape,
  market: MarketSchema.describe(
    'Prices (and volatilities) by asset symbol: every position\'s underlying and every collateral asset other than the profile\'s quote asset must be listed.',
  ),
});

export const SnapshotSchema = SnapshotObject.superRefine(checkReferences).meta({
  id: 'Snapshot',
  description: 'A portfolio snapshot to assess (docs/contract.md).',
});

export type Instrument = z.infer<typeof InstrumentSchema>;
export type Position = z.infer<typeof PositionSchema>;
export type Collateral = z.infer<typeof CollateralSchema>;
export type MarketEntry = z.infer<typeof MarketEntrySchema>;
export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotInput = z.input<typeof SnapshotSchema>;

export const AccountBookSchema = AccountObject.superRefine(checkBook).meta({
  id: 'AccountBook',
  description: 'The collateral and positions of a registered account (a snapshot without accountId, asOf and market).',
});
export type AccountBook = z.infer<typeof AccountBookSchema>;

/** Cross-field rules of a snapshot: the book's, and every asset priced. */
function checkReferences(s: z.infer<typeof SnapshotObject>, ctx: z.RefinementCtx): void {
  checkBook(s, ctx);
  s.positions.forEach((p, i) => {
    const u = p.instrument.underlying;
    if (!Object.hasOwn(s.market, u)) {
      ctx.addIssue({ code: 'custom', path: ['positions', i, 'instrument', 'underlying'], message: `no market price for "${u}": add market.${u}` });
    }
  });
}

/**
 * Rules of a book on its own: unique ids and assets; and, for a built-in profile, the
 * profile's own rules (profileIssues). A name that is not built in may be a tenant's
 * profile: the API resolves it and checks profileIssues then.
 */
function checkBook(s: z.infer<typeof AccountObject> & { market?: Record<string, unknown> }, ctx: z.RefinementCtx): void {
  const seenIds = new Set<string>();
  s.positions.forEach((p, i) => {
    if (seenIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['positions', i, 'id'], message: `duplicate position id "${p.id}"` });
    seenIds.add(p.id);
  });
  const seenAssets = new Set<string>();
  s.collateral.forEach((c, i) => {
    if (seenAssets.has(c.asset)) ctx.addIssue({ code: 'custom', path: ['collateral', i, 'asset'], message: `duplicate collateral asset "${c.asset}"` });
    seenAssets.add(c.asset);
  });
  const profile = findProfile(s.profile);
  for (const issue of profile ? profileIssues(s, profile) : []) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

/**
 * The rules of a book that depend on its risk profile: every collateral asset accepted (it
 * has a haircut) and, when the book comes with a market, priced there unless it is the
 * profile's quote asset.
 */
export function profileIssues(
  book: { readonly collateral: readonly { readonly asset: string }[]; readonly market?: Readonly<Record<string, unknown>> },
  profile: Pick<RiskProfile, 'name' | 'haircuts' | 'quoteAsset'>,
): Array<{ path: (string | number)[]; message: string }> {
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  book.collateral.forEach((c, i) => {
    if (!Object.hasOwn(profile.haircuts, c.asset)) {
      issues.push({ path: ['collateral', i, 'asset'], message: `"${c.asset}" is not accepted as collateral by risk profile "${profile.name}"` });
    } else if (book.market && c.asset !== profile.quoteAsset && !Object.hasOwn(book.market, c.asset)) {
      issues.push({ path: ['collateral', i, 'asset'], message: `no market price for "${c.asset}": add market.${c.asset}` });
    }
  });
  return issues;
}
