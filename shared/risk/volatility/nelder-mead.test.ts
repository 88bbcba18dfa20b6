import { describe, expect, it } from 'vitest';
import { nelderMead } from './nelder-mead.ts';

describe('nelderMead', () => {
  it("finds Rosenbrock's minimum (1, 1) from the classic start (−1.2, 1)", () => {
    const rosenbrock = ([x, y]: readonly number[]) => 100 * (y! - x! ** 2) ** 2 + (1 - x!) ** 2;
    const m = nelderMead(rosenbrock, [-1.2, 1], { valueTolerance: 1e-14, pointTolerance: 1e-9 });
    expect(m.converged).toBe(true);
    expect(m.point[0]).toBeCloseTo(1, 5);
    expect(m.point[1]).toBeCloseTo(1, 5);
  });

  it('minimises a shifted 3-d quadratic to its known centre', () => {
    const f = ([a, b, c]: readonly number[]) => (a! - 3) ** 2 + 2 * (b! + 1) ** 2 + 5 * (c! - 0.5) ** 2 + 7;
    const m = nelderMead(f, [0, 0, 0], { pointTolerance: 1e-9, valueTolerance: 1e-15 });
    expect(m.value).toBeCloseTo(7, 10);
    [3, -1, 0.5].forEach((x, i) => {
      expect(m.point[i]).toBeCloseTo(x, 6);
    });
  });

  it('stays in the feasible region (+∞ and NaN outside) and stops at maxEvaluations', () => {
    const f = ([x]: readonly number[]) => (x! > 1 ? Number.NaN : (x! - 2) ** 2);
    const m = nelderMead(f, [0], { pointTolerance: 1e-10 });
    expect(m.point[0]).toBeLessThanOrEqual(1);
    expect(m.point[0]).toBeCloseTo(1, 6);
    const capped = nelderMead(([x]) => (x! - 5) ** 2, [0], { maxEvaluations: 5 });
    expect(capped.converged).toBe(false);
    expect(capped.evaluations).toBeLessThanOrEqual(7);
  });
});
