/**
 * GARCH(1,1) (T. Bollerslev, "Generalized autoregressive conditional heteroskedasticity",
 * Journal of Econometrics 31 (1986) 307–327): σ²ₜ = ω + α·r²ₜ₋₁ + β·σ²ₜ₋₁, zero mean,
 * with ω > 0, α ≥ 0, β ≥ 0, α + β < 1 (so the variance reverts to ω / (1 − α − β)).
 */
import { nelderMead } from './nelder-mead.ts';

export interface GarchParameters {
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
}

export interface GarchFit extends GarchParameters {
  /** The Gaussian log-likelihood at the estimate. */
  readonly logLikelihood: number;
  /** False when the optimiser ran out of evaluations (the estimate is then its best point). */
  readonly converged: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The mean square of the returns (the zero-mean sample variance): σ²₀, where the recursion
 * starts, as in Bollerslev (1986) and most packages. Its weight fades as βᵗ.
 */
export function meanSquare(returns: readonly number[]): number {
  let sum = 0;
  for (const r of returns) sum += r * r;
  return returns.length === 0 ? 0 : sum / returns.length;
}

/**
 * The conditional variances σ²ₜ of each return (each from the returns before it only),
 * starting at `initialVariance`, and σ² of the step after the last.
 */
export function garchVariances(
  returns: readonly number[],
  p: GarchParameters,
  initialVariance = meanSquare(returns),
): { readonly variances: Float64Array; readonly next: number } {
  const variances = new Float64Array(returns.length);
  let v = initialVariance;
  for (let t = 0; t < returns.length; t++) {
    variances[t] = v;
    v = p.omega + p.alpha * returns[t]! ** 2 + p.beta * v;
  }
  return { variances, next: v };
}

/**
 * The Gaussian (quasi-)log-likelihood −½·Σ[ln 2π + ln σ²ₜ + r²ₜ/σ²ₜ]. Consistent for the
 * variance parameters even when returns are not normal (Bollerslev & Wooldridge 1992).
 */
export function garchLogLikelihood(returns: readonly number[], p: GarchParameters, initialVariance = meanSquare(returns)): number {
  let sum = 0;
  let v = initialVariance;
  for (let t = 0; t < returns.length; t++) {
    const r2 = returns[t]! ** 2;
    if (!(v > 0)) return Number.NEGATIVE_INFINITY;
    sum += LOG_2PI + Math.log(v) + r2 / v;
    v = p.omega + p.alpha * r2 + p.beta * v;
  }
  return -0.5 * sum;
}

/**
 * The maximum-likelihood GARCH(1,1), by Nelder–Mead on unconstrained θ that satisfy the
 * constraints by construction (on returns scaled to mean square 1, so ω is of order 1):
 *   α + β = logistic(θ₀) ∈ (0, 1), α / (α + β) = logistic(θ₁) ∈ (0, 1),
 *   ω / (1 − α − β) = e^θ₂ (the long-run variance, > 0).
 * Starts at α = 0.05, β = 0.90 with the long-run variance at the sample's (typical daily
 * values), then restarts once from the optimum, since a simplex can collapse early.
 * Throws when every return is zero: there is no variance to fit.
 */
export function fitGarch(returns: readonly number[]): GarchFit {
  const scale2 = meanSquare(returns);
  if (!(scale2 > 0) || !Number.isFinite(scale2)) throw new RangeError('fitGarch: needs finite returns, not all zero');
  const scale = Math.sqrt(scale2);
  const x = returns.map((r) => r / scale);

  // |θ| ≤ 30 keeps α + β ≤ 1 − 9e-14 in floating point (and ω finite): beyond, infeasible.
  const objective = (theta: readonly number[]) =>
    theta.every((t) => Math.abs(t) <= 30) ? -garchLogLikelihood(x, fromTheta(theta), 1) / x.length : Number.POSITIVE_INFINITY;
  const start = [logit(0.95), logit(0.05 / 0.95), 0];
  const options = { step: 0.5, valueTolerance: 1e-10, pointTolerance: 1e-6, maxEvaluations: 2_000 };
  const first = nelderMead(objective, start, options);
  const second = nelderMead(objective, first.point, options);
  const best = second.value <= first.value ? second : first;

  const unit = fromTheta(best.point);
  const params = { omega: unit.omega * scale2, alpha: unit.alpha, beta: unit.beta };
  return { ...params, logLikelihood: garchLogLikelihood(returns, params), converged: second.converged };
}

/**
 * Variance forecasts from σ²ₜ₊₁ (`next`): E[σ²ₜ₊ₖ] = V + (α + β)ᵏ⁻¹·(σ²ₜ₊₁ − V), V the
 * long-run variance ω / (1 − α − β). `sum` is Σₖ₌₁..ₕ of them: the variance of the h-step
 * log return (e.g. a 2-day liquidation period from daily returns).
 */
export function garchForecast(p: GarchParameters, next: number, horizon: number): { readonly next: number; readonly sum: number } {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`garchForecast: horizon must be a positive integer, got ${horizon}`);
  const persistence = p.alpha + p.beta;
  const longRun = p.omega / (1 - persistence);
  // Σₖ₌₁..ₕ persistenceᵏ⁻¹ = (1 − persistenceʰ) / (1 − persistence); persistence < 1.
  const decay = (1 - persistence ** horizon) / (1 - persistence);
  return { next, sum: horizon * longRun + (next - longRun) * decay };
}

function fromTheta(theta: readonly number[]): GarchParameters {
  const persistence = logistic(theta[0]!);
  const share = logistic(theta[1]!);
  // 1 − logistic(θ) computed as logistic(−θ), exact where persistence rounds to 1.
  return { omega: Math.exp(theta[2]!) * logistic(-theta[0]!), alpha: persistence * share, beta: persistence * (1 - share) };
}

const logistic = (t: number) => 1 / (1 + Math.exp(-t));
const logit = (p: number) => Math.log(p / (1 - p));
