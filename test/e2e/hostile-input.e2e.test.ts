import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import type { Stores } from '../../shared/store/index.ts';
import { freshStores } from '../dynamo.ts';
import { numbersIn } from '../arbitraries.ts';

let app: ReturnType<typeof createApp>;
let stores: Stores;
let key: string;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: (e) => console.error(e) });
  key = (await stores.apiKeys.issue((await stores.tenants.create('hostile')).tenantId)).secret;
});

const post = (path: string, body: string) =>
  app.request(path, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body });

const valid = () => ({
  accountId: 'acct-h',
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USDC', amount: 1000 }],
  positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3000 }],
  market: { ETH: { price: 3000 }, USDC: { price: 1 } },
});

/** A 4xx problem naming at least one field, never a 5xx. */
async function expectClientProblem(res: Response) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get('Content-Type')).toMatch(/problem\+json/);
  const body = (await res.json()) as { code: string; errors?: unknown[] };
  expect(typeof body.code).toBe('string');
  return body;
}

describe('hostile input through the real app', () => {
  it('deeply nested JSON', async () => {
    const depth = 100_000;
    await expectClientProblem(await post('/v1/assessments', '['.repeat(depth) + ']'.repeat(depth)));
    await expectClientProblem(await post('/v1/assessments', JSON.stringify({ ...valid(), extra: JSON.parse('['.repeat(1000) + ']'.repeat(1000)) })));
  });

  it('100,000-element arrays', async () => {
    const positions = Array.from({ length: 100_000 }, (_, i) => ({ id: `p${i}`, instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1 }));
    const res = await post('/v1/assessments', JSON.stringify({ ...valid(), positions }));
    // Either the body limit or the 5,000-position limit answers.
    await expectClientProblem(res);
    const small = await post('/v1/assessments', JSON.stringify({ ...valid(), collateral: Array.from({ length: 100_000 }, () => 1) }));
    expect((await expectClientProblem(small)).code).toMatch(/invalid_request|body_too_large/);
  });

  it.each([1e308, -1e308, 5e-324, -0, 1e12 + 1])('the number %d anywhere gives a finite answer or a problem naming the field', async (n) => {
    for (const mutate of [
      (s: any) => (s.positions[0].quantity = n),
      (s: any) => (s.market.ETH.price = n),
      (s: any) => (s.collateral[0].amount = n),
      (s: any) => (s.positions[0].entryPrice = n),
    ]) {
      const s = valid();
      mutate(s);
      const res = await post('/v1/assessments', JSON.stringify(s));
      if (res.status === 201) {
        for (const [path, value] of numbersIn(await res.json())) expect(Number.isFinite(value), path).toBe(true);
      } else {
        expect((await expectClientProblem(res)).errors).toBeDefined();
      }
    }
  });

  it('unicode and path-like ids', async () => {
    for (const accountId of ['../../etc/passwd', 'acct/..', 'ацкт', '😀', 'a\u0000b', 'x'.repeat(129), '%2e%2e']) {
      await expectClientProblem(await post('/v1/assessments', JSON.stringify({ ...valid(), accountId })));
    }
    for (const path of ['/v1/assessments/..%2F..%2Fetc', '/v1/accounts/%F0%9F%98%80/assessments', '/v1/accounts/..%2F/assessments']) {
      const res = await app.request(path, { headers: { Authorization: `Bearer ${key}` } });
      await expectClientProblem(res);
    }
  });

  it('prototype-pollution keys, at any depth', async () => {
    for (const body of [
      '{"__proto__": {"polluted": true}}',
      JSON.stringify({ ...valid(), market: { ETH: { price: 3000, constructor: { prototype: { polluted: true } } } } }),
      `{"accountId":"a","positions":[{"__proto__":{"isAdmin":true}}]}`,
    ]) {
      const problem = await expectClientProblem(await post('/v1/assessments', body));
      expect(problem.code).toBe('invalid_request');
    }
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('unknown fields, named by their own path', async () => {
    const s: any = valid();
    s.positions[0].leverage = 10;
    for (const [body, field] of [
      ['{"foo":1}', 'foo'],
      [JSON.stringify(s), 'positions[0].leverage'],
    ] as const) {
      const problem = (await expectClientProblem(await post('/v1/assessments', body))) as { errors: Array<{ field: string }> };
      expect(problem.errors.map((e) => e.field)).toContain(field);
      expect(problem.errors.map((e) => e.field)).not.toContain('(body)');
    }
  });

  it('wrong types everywhere', async () => {
    for (const body of ['null', '[]', '"text"', '42', 'true', '{"accountId": 5}', JSON.stringify({ ...valid(), positions: 'all' })]) {
      await expectClientProblem(await post('/v1/assessments', body));
    }
  });
});
