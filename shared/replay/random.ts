/**
 * A small seeded random source for the replay: the same seed gives the same
 * portfolios and price paths on every machine. Pure: the state lives in the
 * generator object, nothing reads a clock or Math.random.
 */

/** A uniform generator on [0, 1). */
export type Uniform = () => number;

/** Mulberry32 (Tommy Ettinger): 32-bit state, full period 2^32, good enough for simulation. */
export function mulberry32(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A 32-bit seed derived from `seed` and a label (FNV-1a over the label, then a
 * murmur3 finaliser), so independent streams (paths, portfolios) share one seed.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeded uniform, normal and Poisson draws. */
export class Rng {
  readonly #uniform: Uniform;
  #spare: number | undefined;

  constructor(readonly seed: number) {
    this.#uniform = mulberry32(seed);
  }

  /** An independent stream for `label`. */
  fork(label: string): Rng {
    return new Rng(deriveSeed(this.seed, label));
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.#uniform();
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.#uniform();
  }

  /** Log-uniform on [min, max] (both > 0): as likely to be in [1, 10] as in [10, 100]. */
  logUniform(min: number, max: number): number {
    return min * Math.exp(Math.log(max / min) * this.#uniform());
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor((max - min + 1) * this.#uniform());
  }

  chance(p: number): boolean {
    return this.#uniform() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(items.length * this.#uniform())]!;
  }

  /** Standard normal (Marsaglia's polar method; the second draw of each pair is kept). */
  normal(): number {
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.#uniform() - 1;
      v = 2 * this.#uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    return u * f;
  }

  /** Poisson count with mean `lambda` (Knuth; meant for the small means of per-step jump counts). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.#uniform();
    while (p > limit) {
      k++;
      p *= this.#uniform();
    }
    return k;
  }
}
