import { mulberry32 } from '../shared/replay/random.ts';

/**
 * Deterministic pseudo-random draws for the tests only (the risk core itself uses none):
 * the replay's mulberry32 (shared/replay/random.ts) for uniforms, Box–Muller for normals.
 */

/** Standard normal draws by Box–Muller (both of each pair used). */
export function normals(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const u = 1 - uniform(); // (0, 1]: ln(u) finite
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

/** Student-t(ν) draws scaled to unit variance: Z / √(χ²ᵥ/ν) · √((ν − 2)/ν), ν an integer > 2. */
export function unitStudentT(seed: number, nu: number): () => number {
  const normal = normals(seed);
  const scale = Math.sqrt((nu - 2) / nu);
  return () => {
    let chi2 = 0;
    for (let k = 0; k < nu; k++) chi2 += normal() ** 2;
    return (normal() / Math.sqrt(chi2 / nu)) * scale;
  };
}

/** n GARCH(1,1) returns rₜ = σₜ·zₜ, σ²₀ the long-run variance, z standard normal. */
export function simulateGarch(seed: number, n: number, p: { omega: number; alpha: number; beta: number }): number[] {
  const normal = normals(seed);
  let variance = p.omega / (1 - p.alpha - p.beta);
  const returns: number[] = [];
  for (let t = 0; t < n; t++) {
    const r = Math.sqrt(variance) * normal();
    returns.push(r);
    variance = p.omega + p.alpha * r * r + p.beta * variance;
  }
  return returns;
}
