import { describe, expect, it } from 'vitest';
import { PROFILES } from '../risk/built-in-profiles.ts';
import { staticRangeOf } from './static-range.ts';

describe('the static requirement of a unit perpetual', () => {
  it('is the scenario grid’s price range under portfolio margin: nothing else enters a plain perpetual', () => {
    for (const name of ['default', 'minimal', 'adaptive', 'auction']) {
      const profile = PROFILES[name]!;
      expect(profile.marginModel).toBe('portfolio');
      expect(staticRangeOf(profile)).toEqual({ long: profile.portfolio.priceRange, short: profile.portfolio.priceRange });
    }
    expect(staticRangeOf(PROFILES.default!, 'ETH')).toEqual({ long: 0.16, short: 0.16 });
  });

  it('is the first bracket’s maintenance rate under the standard model', () => {
    const profile = PROFILES.standard!;
    expect(staticRangeOf(profile)).toEqual({ long: profile.standard.brackets[0]!.maintenanceRate, short: profile.standard.brackets[0]!.maintenanceRate });
    expect(staticRangeOf(profile).long).toBe(0.01);
  });
});
