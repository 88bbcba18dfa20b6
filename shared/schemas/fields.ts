import { z } from 'zod';
import { LIMITS } from './limits.ts';

/** Reusable field schemas; names and messages are what clients see. */

export const AssetSymbol = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{0,15}$/, 'must be an asset symbol: 1–16 upper-case letters or digits, e.g. BTC');

export const Identifier = z
  .string()
  .min(1)
  .max(LIMITS.maxIdLength)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must use only letters, digits and . _ : -, starting with a letter or digit');

export const Price = z.number().positive().max(LIMITS.maxMagnitude);
export const NonNegativePrice = z.number().min(0).max(LIMITS.maxMagnitude);
export const SignedAmount = z.number().min(-LIMITS.maxMagnitude).max(LIMITS.maxMagnitude);
export const Volatility = z.number().min(0.0001).max(LIMITS.maxVolatility);
export const Timestamp = z.iso.datetime({ offset: true });

/** Turns a zod issue path into the field name clients read: `positions[3].markPrice`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(body)' : out;
}
