import { describe, expect, it } from 'vitest';
import { builtInProfiles } from '../risk/built-in-profiles.ts';
import { profileFor } from '../sweeps/account-assessment.ts';
import { InvalidInputError } from './errors.ts';
import { SnapshotSchema } from './snapshot.ts';
import { validate } from './validate.ts';

const valid = () => ({
  accountId: 'acct-42',
  asOf: '2026-11-23T12:00:00Z',
  collateral: [
    { asset: 'USDC', amount: 25000 },
    { asset: 'BTC', amount: 0.5 },
  ],
  positions: [
    {
      id: 'p1',
      instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 100000, expiry: '2026-12-25T08:00:00Z' },
      quantity: -2,
    },
    { id: 'p2', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 15, entryPrice: 3200 },
  ],
  market: { BTC: { price: 97000, volatility: 0.55 }, ETH: { price: 3000, volatility: 0.7 }, USDC: { price: 1 } },
  profile: 'default',
});

/** The field paths named by the error for `input`. */
function failingFields(input: unknown): string[] {
  try {
    validate(SnapshotSchema, input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).issues.map((i) => i.field);
  }
  throw new Error('expected the snapshot to be refused');
}

describe('snapshot schema', () => {
  it("accepts the contract's example and defaults the profile", () => {
    const { profile: _, ...withoutProfile } = valid();
    expect(validate(SnapshotSchema, withoutProfile).profile).toBe('default');
  });

  it.each([
    ['a negative price', (s: any) => (s.market.BTC.price = -1), 'market.BTC.price'],
    ['a zero strike', (s: any) => (s.positions[0].instrument.strike = 0), 'positions[0].instrument.strike'],
    ['an invalid expiry', (s: any) => (s.positions[0].instrument.expiry = '2026-13-45'), 'positions[0].instrument.expiry'],
    ['an invalid asOf', (s: any) => (s.asOf = 'yesterday'), 'asOf'],
    ['a non-finite quantity', (s: any) => (s.positions[1].quantity = Infinity), 'positions[1].quantity'],
    ['a quantity beyond the limit', (s: any) => (s.positions[1].quantity = 1e13), 'positions[1].quantity'],
    ['a duplicate position id', (s: any) => (s.positions[1].id = 'p1'), 'positions[1].id'],
    ['an unpriced underlying', (s: any) => (s.positions[1].instrument.underlying = 'SOL'), 'positions[1].instrument.underlying'],
    ['an unknown instrument type', (s: any) => (s.positions[1].instrument.type = 'swap'), 'positions[1].instrument.type'],
    ['collateral without a haircut', (s: any) => (s.collateral[0] = { asset: 'PEPE', amount: 1 }), 'collateral[0].asset'],
    ['a lower-case asset', (s: any) => (s.collateral[0].asset = 'usdc'), 'collateral[0].asset'],
    ['an unknown field', (s: any) => (s.positions[1].leverage = 10), 'positions[1].leverage'],
    ['an unknown top-level field', (s: any) => (s.foo = 1), 'foo'],
    ['an unknown instrument field', (s: any) => (s.positions[0].instrument.leverage = 10), 'positions[0].instrument.leverage'],
    ['a prototype-pollution key', (s: any) => (s.market = JSON.parse('{"__proto__": {"price": 1}}')), 'market.__proto__'],
  ])('refuses %s and names the field', (_, mutate, field) => {
    const s = valid();
    mutate(s);
    expect(failingFields(s)).toContain(field);
  });

  it('leaves a profile name it does not know to the caller (a tenant may own it); resolving it refuses it, naming the field', async () => {
    const s = valid();
    s.profile = 'yolo';
    expect(SnapshotSchema.safeParse(s).success).toBe(true);
    const error = await profileFor(builtInProfiles, SnapshotSchema.parse(s)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.field)).toEqual(['profile']);
  });

  it('refuses more than 5,000 positions', () => {
    const s = valid();
    s.positions = Array.from({ length: 5001 }, (_, i) => ({ ...s.positions[1]!, id: `p${i}` })) as any;
    expect(failingFields(s)).toContain('positions');
  });

  it('names each unknown field once, with its own path', () => {
    const s: any = valid();
    Object.assign(s.positions[1], { leverage: 10, margin: 'cross' });
    expect(failingFields(s)).toEqual(['positions[1].leverage', 'positions[1].margin']);
  });

  it('names the body when it is not an object', () => {
    expect(failingFields(null)).toEqual(['(body)']);
  });
});
