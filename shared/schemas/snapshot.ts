import { z } from 'zod';
import type { RiskProfile } from '../risk/profile.ts';
import { DEFAULT_PROFILE_NAME, findProfile } from '../risk/profiles.ts';
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

export const PerpetualSchema = z.strictObject({
  type: z.literal('perpetual'),
  underlying: AssetSymbol,
});

export const FutureSchema = z.strictObject({
  type: z.literal('future'),
  underlying: AssetSymbol,
  expiry: Timestamp,
});

export const OptionSchema = z.strictObject({
  type: z.literal('option'),
  underlying: AssetSymbol,
  right: z.enum(['call', 'put']),
  strike: Price,
  expiry: Timestamp,
});

export const InstrumentSchema = z.discriminatedUnion('type', [PerpetualSchema, FutureSchema, OptionSchema]).meta({ id: 'Instrument' });

export const PositionSchema = z.strictObject({
  id: Identifier,
  instrument: InstrumentSchema,
  /** Signed units of the underlying: + long, − short. One option contract = one unit. */
  quantity: SignedAmount,
  /** Average entry price; perpetual and future PnL is quantity × (mark − entryPrice). */
  entryPrice: NonNegativePrice.optional(),
  /** The exchange's mark price; for options without a volatility the engine solves the implied volatility from it. */
  markPrice: NonNegativePrice.optional(),
  /** Volatility for this option (0.55 = 55%); overrides the market's. */
  impliedVolatility: Volatility.optional(),
  /** Smallest tradable quantity; liquidation steps are whole multiples of it. */
  lotSize: Price.optional(),
});

export const CollateralSchema = z.strictObject({
  asset: AssetSymbol,
  /** Balance in units of the asset; negative balances are borrowed and count in full. */
  amount: SignedAmount,
});

export const MarketEntrySchema = z.strictObject({
  price: Price,
  /** Annualised volatility of the underlying (0.55 = 55%). */
  volatility: Volatility.optional(),
});

export const MarketSchema = z
  .record(AssetSymbol, MarketEntrySchema)
  .refine((m) => Object.keys(m).length <= LIMITS.maxMarketEntries, {
    message: `must have at most ${LIMITS.maxMarketEntries} entries`,
  });

/** The account part of a snapshot: what an exchange registers, without market and time. */
const AccountObject = z.strictObject({
  collateral: z.array(CollateralSchema).max(LIMITS.maxCollateral),
  positions: z.array(PositionSchema).max(LIMITS.maxPositions),
  /** Name of the risk profile. Default `default`. */
  profile: Identifier.default(DEFAULT_PROFILE_NAME),
});

const SnapshotObject = z.strictObject({
  accountId: Identifier,
  asOf: Timestamp,
  ...AccountObject.shape,
  market: MarketSchema,
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
