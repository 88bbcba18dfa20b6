import { parseArgs } from 'node:util';
import { configFromEnv } from './config.ts';
import { DataDirInUseError } from './dynamodb-local.ts';
import { PortInUseError, startLocalServer } from './server.ts';
import { tenantRateLimitFromEnv } from '../shared-env.ts';

/**
 * `npm start`: DynamoDB Local, the tables, a dev tenant and key, the API on PORT.
 * Ctrl-C stops everything. `--data DIR` keeps the database between runs.
 */
async function main(): Promise<number> {
  // The SDK's Node 22 notice is about its 2027 releases; this one is pinned (package-lock.json).
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { values } = parseArgs({ options: { data: { type: 'string' } }, strict: true });
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

  console.log(`Softland is listening on ${server.url}
  DynamoDB:  ${server.dynamoEndpoint}${config.dynamoEndpoint ? '' : values.data ? ` (DynamoDB Local, data in ${values.data})` : ' (DynamoDB Local, in memory)'}
  API key:   ${server.apiKey}   (dev tenant ${server.tenantId})
  Docs:      ${server.url}/docs

Try it:
  curl -s ${server.url}/v1/assessments \\
    -H "Authorization: Bearer ${server.apiKey}" \\
    -H "Content-Type: application/json" \\
    --data @examples/tier1-perpetuals.json

Ctrl-C stops the server and the database.`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
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
