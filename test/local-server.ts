/**
 * The real local server (`npm start`'s startLocalServer) for tests: on a free port, over the
 * run's DynamoDB Local (test/setup/dynamodb.ts), in tables of its own, with no scheduled
 * sweep unless asked.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../functions/local/server.ts';
import { createSoftlandClient, type SoftlandClient } from '../openapi/client/index.ts';
import { tableNames, type TableNames } from '../shared/store/tables.ts';

/** The local server's options but where it runs; `tables` default `<name>-<random hex>-…`. */
export type TestServerOptions = Omit<LocalServerOptions, 'port' | 'tables' | 'dynamoEndpoint'> & { readonly tables?: TableNames };

/** Starts a local server for a test, its tables named after `name`; the caller stops it. */
export function startTestServer(name: string, options: TestServerOptions = {}): Promise<LocalServer> {
  return startLocalServer({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    sweepIntervalMs: 0,
    ...options,
    tables: options.tables ?? tableNames(`${name}-${randomBytes(4).toString('hex')}-`),
  });
}

/** A suite's server and a generated client with the dev tenant's admin key: usable from its first hook on. */
export interface TestServer {
  readonly server: LocalServer;
  readonly admin: SoftlandClient;
}

/**
 * A local server for the tests of a file (or of the describe block it is called in):
 * started before them (startTestServer), stopped after them. `server` and `admin` stand for
 * the started server and its client, so a suite can name them once at the top
 * (`const { server, admin } = useTestServer('e2e')`). Hooks the suite registers after this
 * call run after the start and before the stop (vitest runs `afterAll` hooks last
 * registered first).
 */
export function useTestServer(name: string, options: TestServerOptions = {}): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    const server = await startTestServer(name, options);
    started = { server, admin: createSoftlandClient({ baseUrl: server.url, apiKey: server.apiKey }) };
  });
  afterAll(async () => {
    await started?.server.stop();
  });
  const current = (): TestServer => {
    if (!started) throw new Error(`the ${name} test server is not started yet: use it in a test or a hook`);
    return started;
  };
  return { server: standIn(() => current().server), admin: standIn(() => current().admin) };
}

/** An object that reads every property from `target()` at the time of the read (methods bound to it). */
export function standIn<T extends object>(target: () => T): T {
  return new Proxy({} as T, {
    get(_, key) {
      const object = target();
      const value: unknown = Reflect.get(object, key);
      return typeof value === 'function' ? value.bind(object) : value;
    },
    has: (_, key) => Reflect.has(target(), key),
  });
}
