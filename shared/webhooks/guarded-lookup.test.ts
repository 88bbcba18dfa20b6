import type { LookupAddress } from 'node:dns';
import { isIPv6, type LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ForbiddenAddressError } from './errors.ts';
import { guardedLookup } from './guarded-lookup.ts';

/** A resolver answering fixed addresses; `single` answers one address even when asked for all. */
function fakeResolver(addresses: readonly string[], single = false): LookupFunction {
  return (_hostname, _options, callback) => {
    const list = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
    setImmediate(() => (single ? callback(null, list[0]!.address, list[0]!.family) : callback(null, list)));
  };
}

function run(lookup: LookupFunction, all: boolean): Promise<{ error: unknown; address: unknown; family: unknown }> {
  return new Promise((resolve) => {
    lookup('hooks.example.test', { all }, (error, address, family) => resolve({ error, address, family }));
  });
}

describe('guardedLookup', () => {
  it('passes public answers through, in both calling styles', async () => {
    const lookup = guardedLookup({ lookup: fakeResolver(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']) });
    expect(await run(lookup, true)).toEqual({
      error: null,
      address: [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      ] satisfies LookupAddress[],
      family: undefined,
    });
    expect(await run(lookup, false)).toEqual({ error: null, address: '93.184.215.14', family: 4 });
    expect(await run(guardedLookup({ lookup: fakeResolver(['93.184.215.14'], true) }), true)).toMatchObject({
      error: null,
      address: [{ address: '93.184.215.14', family: 4 }],
    });
  });

  it.each([['127.0.0.1'], ['169.254.169.254'], ['10.1.2.3'], ['::1'], ['fd00:ec2::254'], ['::ffff:127.0.0.1']])(
    'refuses an answer of %s',
    async (address) => {
      const { error } = await run(guardedLookup({ lookup: fakeResolver([address]) }), true);
      expect(error).toBeInstanceOf(ForbiddenAddressError);
      expect(error).toMatchObject({ code: 'forbidden_address', hostname: 'hooks.example.test', address });
    },
  );

  it('refuses when any one of the answers is forbidden', async () => {
    const { error } = await run(guardedLookup({ lookup: fakeResolver(['93.184.215.14', '192.168.1.10']) }), true);
    expect(error).toMatchObject({ code: 'forbidden_address', address: '192.168.1.10' });
  });

  it('lets loopback through only when asked, and nothing else', async () => {
    const loopback = guardedLookup({ lookup: fakeResolver(['127.0.0.1', '::1']), allowLoopback: true });
    expect((await run(loopback, true)).error).toBeNull();
    const metadata = guardedLookup({ lookup: fakeResolver(['127.0.0.1', '169.254.169.254']), allowLoopback: true });
    expect((await run(metadata, true)).error).toMatchObject({ code: 'forbidden_address', address: '169.254.169.254' });
  });

  it('refuses text that is not an address, and an empty answer', async () => {
    expect((await run(guardedLookup({ lookup: fakeResolver(['not-an-ip']) }), true)).error).toMatchObject({
      code: 'forbidden_address',
    });
    expect((await run(guardedLookup({ lookup: fakeResolver([]) }), true)).error).toMatchObject({ code: 'dns_failed' });
  });

  it('passes resolver errors through', async () => {
    const failing: LookupFunction = (hostname, _options, callback) =>
      setImmediate(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), ''));
    expect((await run(guardedLookup({ lookup: failing }), true)).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
