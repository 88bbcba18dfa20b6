/** Input limits. They are part of the contract: the OpenAPI document publishes them. */
export const LIMITS = {
  maxPositions: 5_000,
  maxCollateral: 100,
  maxMarketEntries: 500,
  maxIdLength: 128,
  /** Largest absolute quantity, amount or price accepted. */
  maxMagnitude: 1e12,
  /** Largest volatility accepted (1000%). */
  maxVolatility: 10,
} as const;
