import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessRisk } from '../risk/assess.ts';
import { findProfile } from '../risk/built-in-profiles.ts';
import { SnapshotSchema, type Snapshot } from '../schemas/snapshot.ts';
import { generatePaths } from './paths.ts';
import { ACCOUNT_KINDS, expiriesAfter, generatePortfolios } from './portfolios.ts';
import { MAX_QUIET_STEPS, quietBand, stillQuiet } from './quiet.ts';

const paths = generatePaths({ seed: 11, steps: 60 });
const market = Object.fromEntries(paths.symbols.map((s) => [s, { price: paths.prices[s]![0]!, volatility: paths.volatilities[s]![0]! }]));
const accounts = generatePortfolios({ seed: 11, count: 4 * ACCOUNT_KINDS.length, asOf: paths.start, market, symbols: paths.symbols, expiries: expiriesAfter(paths.times[60]!) });
const profiles = [findProfile('default')!, findProfile('adaptive')!];
const ratioOf = (snapshot: Snapshot) => assessRisk(snapshot, { id: 'asm_test', liquidationPrices: false }).assessment;
const context = { k: 0, expiryStep: Infinity, previous: undefined, mayMeasure: true };

describe('quiet accounts', () => {
  const quiet = accounts.flatMap((a) => {
    const snapshot = SnapshotSchema.parse(a.snapshot);
    const band = quietBand(snapshot, ratioOf(snapshot).marginRatio, profiles, context);
    return band ? [{ kind: a.kind, snapshot, band }] : [];
  });

  it('covers most of the generated accounts, of every kind', () => {
    expect(quiet.length).toBeGreaterThan(accounts.length / 2);
    expect(new Set(quiet.map((q) => q.kind)).size).toBeGreaterThanOrEqual(ACCOUNT_KINDS.length - 1);
  });

  it('never sleeps through a market that would put the account in tier1 or worse, even at the edge of its band', () => {
    const direction = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.nat(quiet.length - 1), fc.array(direction, { minLength: 4, maxLength: 4 }), direction, fc.double({ min: 0.01, max: 0.999, noNaN: true }), (i, moves, volMove, edge) => {
        const { snapshot, band } = quiet[i]!;
        // The moves scaled so the band's weighted sum uses `edge` of its budget.
        const { anchors, volatilitySlope } = band.slopes;
        const perUnit = anchors.reduce((sum, a, j) => sum + a.slope * Math.abs(moves[j]!), 0) + volatilitySlope * Math.abs(volMove);
        const scale = perUnit > 0 ? (edge * band.budget) / perUnit : 0.05;
        const moved: Snapshot['market'] = { ...snapshot.market };
        anchors.forEach((a, j) => {
          const entry = snapshot.market[a.symbol]!;
          moved[a.symbol] = { price: entry.price * Math.exp(scale * moves[j]!), volatility: entry.volatility! * Math.exp(scale * volMove) };
        });
        fc.pre(stillQuiet(band, moved, 1));
        const after = ratioOf({ ...snapshot, market: moved });
        expect(['healthy', 'warning']).toContain(after.tier);
        expect(after.marginRatio!).toBeGreaterThanOrEqual(1.05);
      }),
      { numRuns: 1000 },
    );
  });

  it('wakes at the step limit and at the first option expiry whatever the market does', () => {
    const { snapshot, band } = quiet[0]!;
    expect(stillQuiet(band, snapshot.market, MAX_QUIET_STEPS - 1)).toBe(true);
    expect(stillQuiet(band, snapshot.market, MAX_QUIET_STEPS)).toBe(false);
    const expiring = quietBand(snapshot, ratioOf(snapshot).marginRatio, profiles, { ...context, expiryStep: 7 })!;
    expect(stillQuiet(expiring, snapshot.market, 6)).toBe(true);
    expect(stillQuiet(expiring, snapshot.market, 7)).toBe(false);
  });

  it('keeps an account near the threshold awake, and one that has not stayed calm unmeasured', () => {
    const { snapshot } = quiet[0]!;
    expect(quietBand(snapshot, 1.06, profiles, context)).toBeNull();
    expect(quietBand(snapshot, 3, profiles, { ...context, mayMeasure: false })).toBeNull();
  });
});
