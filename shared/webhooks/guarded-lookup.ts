import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIPv6, type LookupFunction } from 'node:net';
import { isForbiddenAddress } from './address-policy.ts';
import { ForbiddenAddressError, WebhookError } from './errors.ts';

/** Options of {@link guardedLookup}. */
export interface GuardedLookupOptions {
  /** The resolver to wrap. Default `dns.lookup` (the system resolver, as Node uses). */
  readonly lookup?: LookupFunction;
  /** Let loopback addresses through (local development). Default `false`. */
  readonly allowLoopback?: boolean;
}

/**
 * A `lookup` for `http.request` that resolves the host name and fails with
 * {@link ForbiddenAddressError} when ANY address it resolves to is forbidden. Node dials
 * only what this returns, so the check holds for the connection actually made: a name
 * that pointed somewhere public at registration and now points inside (DNS rebinding)
 * is caught here. Refusing on any bad address, not just skipping it, is deliberate: a
 * name that mixes internal and public addresses is not a legitimate endpoint.
 */
export function guardedLookup(options: GuardedLookupOptions = {}): LookupFunction {
  const resolve = options.lookup ?? (dnsLookup as LookupFunction);
  const allowLoopback = options.allowLoopback === true;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, found, family) => {
      if (error) return callback(error, '');
      // A resolver may ignore `all: true` and answer with one address.
      const addresses: LookupAddress[] = Array.isArray(found)
        ? found
        : [{ address: found, family: family ?? (isIPv6(found) ? 6 : 4) }];
      const first = addresses[0];
      if (first === undefined) {
        return callback(new WebhookError('dns_failed', `${hostname} resolves to no address`), '');
      }
      const forbidden = addresses.find((a) => isForbiddenAddress(a.address, { allowLoopback }));
      if (forbidden) return callback(new ForbiddenAddressError(hostname, forbidden.address), '');
      if (lookupOptions.all === true) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
