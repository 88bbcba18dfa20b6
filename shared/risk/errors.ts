/**
 * Errors raised by the risk core. Each carries a stable `code` and, where the
 * problem comes from the input, the `field` path (e.g. `positions[3].markPrice`)
 * so that adapters (CLI, HTTP) can name it without parsing messages.
 */
export class RiskError extends Error {
  readonly code: string;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RiskError';
    this.code = code;
    this.field = options.field;
  }
}

/** No volatility reproduces the given option price (it is outside the arbitrage-free range). */
export class NoVolatilityFitsError extends RiskError {
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super('no_volatility_fits', message, options);
    this.name = 'NoVolatilityFitsError';
  }
}

/** The snapshot refers to something the risk profile or the market does not know. */
export class UnknownReferenceError extends RiskError {
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super('unknown_reference', message, options);
    this.name = 'UnknownReferenceError';
  }
}
