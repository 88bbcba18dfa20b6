import { describe, expect, it, inject } from 'vitest';
import { runLoad } from '../../bench/load-test.ts';

describe('sustained load (short in CI; `npm run bench` runs it for 60 s)', () => {
  it('answers every request 2xx and loses no record', async () => {
    const r = await runLoad({ durationSeconds: 5, connections: 8, dynamoEndpoint: inject('dynamoEndpoint') });
    expect(r.answered).toBeGreaterThan(0);
    expect(r.errors).toBe(0);
    expect(r.lost).toBe(0);
  }, 60_000);
});
