import { parseArgs } from 'node:util';
import { configFromEnv } from './config.ts';
import { DataDirInUseError } from './dynamodb-local.ts';
import { tenantWithFreshKey } from './named-tenant.ts';
import { PortInUseError, startLocalServer } from './server.ts';
import { tenantRateLimitFromEnv } from '../shared-env.ts';

/**
 * `npm start`: DynamoDB Local, the tables, a dev tenant and key, the API on PORT.
 * Ctrl-C stops everything. `--data DIR` keeps the database between runs; `--tenant NAME`
 * finds (or creates) the tenant NAME and prints a fresh key for it.
 */
async function main(): Promise<number> {
  // The SDK's Node 22 notice is about its 2027 releases; this one is pinned (package-lock.json).
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { values } = parseArgs({ options: { data: { type: 'string' }, tenant: { type: 'string' } }, strict: true });
  const config = configFromEnv();
  const server = await startLocalServer({
    port: config.port,
    tables: config.tables,
    dynamoEndpoint: config.dynamoEndpoint,
    dataDir: values.data,
    devApiKey: config.devApiKey,
    tenantRequestsPerSecond: tenantRateLimitFromEnv(),
  }).catch((error: unknown) => {
    if (error instanceof PortInUseError || error instanceof DataDirInUseError) {
      console.error(`softland: ${error.message}`);
      return undefined;
    }
    throw error;
  });
  if (!server) return 1;
  const own = values.tenant === undefined ? undefined : await tenantWithFreshKey(server.stores, values.tenant).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const key = own?.apiKey ?? server.apiKey;
  const persistent = Boolean(config.dynamoEndpoint || values.data);
  const ownLines = own
    ? `
  Tenant:    ${own.name} (${own.tenantId}, ${own.created ? 'created' : 'found: its earlier keys still work'}${persistent ? '' : '; in memory, --data DIR keeps it'})
  Its key:   ${own.apiKey}   (new, admin)`
    : '';
  // Listening before the banner: a Ctrl-C (or a script's SIGINT) as soon as it is printed stops the server cleanly.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

  console.log(`Softland is listening on ${server.url}
  DynamoDB:  ${server.dynamoEndpoint}${config.dynamoEndpoint ? '' : values.data ? ` (DynamoDB Local, data in ${values.data})` : ' (DynamoDB Local, in memory)'}
  API key:   ${server.apiKey}   (dev tenant ${server.tenantId})${ownLines}
  Risk desk: ${server.url}/desk   (sign in with a key above)
  Docs:      ${server.url}/docs

Try it:${own ? `\n  export SOFTLAND_URL=${server.url} SOFTLAND_KEY=${key}` : ''}
  curl -s ${server.url}/v1/assessments \\
    -H "Authorization: Bearer ${key}" \\
    -H "Content-Type: application/json" \\
    --data @examples/tier1-perpetuals.json

Ctrl-C stops the server and the database.`);

  await stopped;
  console.log('\nStopping…');
  await server.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`softland: ${(error as Error).message}`);
    process.exit(1);
  },
);
