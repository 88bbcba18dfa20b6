import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILES } from './built-in-profiles.ts';
import { alertTier, classifyTier, tierRank, TIERS, type Tier } from './tiers.ts';

const tiers = PROFILES.default!.tiers;

describe('alertTier (hysteresis)', () => {
  it('worsens at once and recovers only past the boundary plus the margin', () => {
    // MM 1000, IM 1300: tier1 below 1050 of equity.
    expect(alertTier('warning', 1049, 1000, 1300, tiers, 0.01)).toBe('tier1');
    expect(alertTier('tier1', 1051, 1000, 1300, tiers, 0.01)).toBe('tier1'); // hovering just above 1.05
    expect(alertTier('tier1', 1061, 1000, 1300, tiers, 0.01)).toBe('warning'); // 1.061 − 0.01 ≥ 1.05
    expect(alertTier('warning', 1301, 1000, 1300, tiers, 0.01)).toBe('warning'); // IM raised by 1%
    expect(alertTier('warning', 1400, 1000, 1300, tiers, 0.01)).toBe('healthy');
    expect(alertTier(null, 1051, 1000, 1300, tiers, 0.01)).toBe('warning');
  });

  it('never reports a tier better than the plain classification, nor worse than the previous one unless the account worsened (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIERS),
        fc.double({ min: -100, max: 3000, noNaN: true }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        (previous, equity, h) => {
          const plain = classifyTier(equity, 1000, 1300, tiers);
          const alert = alertTier(previous, equity, 1000, 1300, tiers, h);
          expect(tierRank(alert)).toBeGreaterThanOrEqual(tierRank(plain));
          expect(tierRank(alert)).toBeLessThanOrEqual(Math.max(tierRank(previous), tierRank(plain)));
        },
      ),
    );
  });
});

describe('classifyTier for an account that cannot owe (never liquidated)', () => {
  it('is warning below IM and healthy at or above it, whatever the ratio', () => {
    // MM 1000, IM 1300: a ratio of 1.0 would be tier2, 0 insolvent.
    expect(classifyTier(1000, 1000, 1300, tiers, true)).toBe('warning');
    expect(classifyTier(0, 1000, 1300, tiers, true)).toBe('warning');
    expect(classifyTier(1300, 1000, 1300, tiers, true)).toBe('healthy');
    expect(classifyTier(1000, 1000, 1300, tiers)).toBe('tier2');
  });

  it('never reaches a liquidation tier and stays monotone in equity (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.double({ min: 0, max: 2000, noNaN: true }),
        (a, b, maintenance) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const tierAt = (equity: number): Tier => classifyTier(equity, maintenance, 1.3 * maintenance, tiers, true);
          expect(['healthy', 'warning']).toContain(tierAt(low));
          expect(tierRank(tierAt(high))).toBeLessThanOrEqual(tierRank(tierAt(low)));
        },
      ),
    );
  });

  it('alertTier passes the flag on: hysteresis cannot hold such an account in a liquidation tier', () => {
    expect(alertTier('tier2', 1000, 1000, 1300, tiers, 0.01, true)).toBe('warning');
    expect(alertTier('tier2', 1000, 1000, 1300, tiers, 0.01)).toBe('tier2');
  });
});
