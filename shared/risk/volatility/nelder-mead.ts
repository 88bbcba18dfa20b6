/**
 * Nelder–Mead simplex minimisation (J. A. Nelder, R. Mead, "A simplex method for function
 * minimization", Computer Journal 7 (1965) 308–313), with the standard coefficients and
 * the tie-breaking of J. C. Lagarias et al., SIAM J. Optim. 9 (1998) 112–147: reflection 1,
 * expansion 2, contraction ½, shrink ½. Derivative-free, so the objective may be any
 * deterministic function; +Infinity marks points outside the feasible region.
 */

export interface NelderMeadOptions {
  /** Initial simplex: start plus `step` along each axis. */
  readonly step?: number;
  /** Stop when the simplex's values differ by no more than this (absolute)… */
  readonly valueTolerance?: number;
  /** …and its vertices by no more than this along every axis. */
  readonly pointTolerance?: number;
  readonly maxEvaluations?: number;
}

export interface Minimum {
  readonly point: number[];
  readonly value: number;
  readonly evaluations: number;
  /** False when maxEvaluations ran out before the tolerances were met. */
  readonly converged: boolean;
}

export function nelderMead(f: (x: readonly number[]) => number, start: readonly number[], options: NelderMeadOptions = {}): Minimum {
  const step = options.step ?? 0.5;
  const valueTolerance = options.valueTolerance ?? 1e-10;
  const pointTolerance = options.pointTolerance ?? 1e-7;
  const maxEvaluations = options.maxEvaluations ?? 2_000;
  const d = start.length;
  let evaluations = 0;
  // NaN would break every comparison below: treat it as infeasible.
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };

  const points: number[][] = [start.slice()];
  for (let i = 0; i < d; i++) {
    const p = start.slice();
    p[i]! += step;
    points.push(p);
  }
  const values = points.map(evaluate);
  const order = points.map((_, i) => i);

  const combine = (a: readonly number[], b: readonly number[], t: number): number[] => a.map((ai, i) => ai + t * (b[i]! - ai));

  for (;;) {
    // Ascending by value; a stable sort keeps tied vertices in a fixed order, so runs are reproducible.
    order.sort((i, j) => values[i]! - values[j]! || 0);
    const best = order[0]!;
    const worst = order[d]!;
    const secondWorst = order[d - 1] ?? best;
    if (hasConverged(points, values, best, valueTolerance, pointTolerance)) {
      return { point: points[best]!, value: values[best]!, evaluations, converged: true };
    }
    if (evaluations >= maxEvaluations) return { point: points[best]!, value: values[best]!, evaluations, converged: false };

    const centroid = new Array<number>(d).fill(0);
    for (const i of order.slice(0, d)) for (let k = 0; k < d; k++) centroid[k]! += points[i]![k]! / d;

    const reflected = combine(centroid, points[worst]!, -1);
    const fr = evaluate(reflected);
    if (fr < values[best]!) {
      const expanded = combine(centroid, points[worst]!, -2);
      const fe = evaluate(expanded);
      replace(worst, fe < fr ? expanded : reflected, Math.min(fe, fr));
      continue;
    }
    if (fr < values[secondWorst]!) {
      replace(worst, reflected, fr);
      continue;
    }
    // Contract: outside when the reflection improved on the worst, inside otherwise.
    const outside = fr < values[worst]!;
    const contracted = combine(centroid, points[worst]!, outside ? -0.5 : 0.5);
    const fc = evaluate(contracted);
    if (fc < (outside ? fr : values[worst]!)) {
      replace(worst, contracted, fc);
      continue;
    }
    // Shrink every vertex halfway towards the best.
    for (const i of order.slice(1)) {
      points[i] = combine(points[best]!, points[i]!, 0.5);
      values[i] = evaluate(points[i]!);
    }
  }

  function replace(i: number, point: number[], value: number): void {
    points[i] = point;
    values[i] = value;
  }
}

function hasConverged(points: number[][], values: number[], best: number, valueTolerance: number, pointTolerance: number): boolean {
  const fb = values[best]!;
  for (let i = 0; i < points.length; i++) {
    if (!(Math.abs(values[i]! - fb) <= valueTolerance)) return false;
    for (let k = 0; k < points[i]!.length; k++) if (Math.abs(points[i]![k]! - points[best]![k]!) > pointTolerance) return false;
  }
  return true;
}
