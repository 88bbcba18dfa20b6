import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../api/app.ts';
import type { DeskAssetSource } from '../api/desk-assets.ts';
import { buildDesk } from '../../desk/build.ts';
import { ensureTables } from '../../shared/store/bootstrap.ts';
import { createDynamoClient } from '../../shared/store/client.ts';
import { createStores, type Stores } from '../../shared/store/index.ts';
import type { TableNames } from '../../shared/store/tables.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { AssessPool } from './assess-pool.ts';
import { tenantNamed, tenantWithFreshKey } from './named-tenant.ts';
import { inProcessRunner, startSweep, type SegmentRunner } from '../../shared/sweeps/sweep-runs.ts';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { dispatchOnce } from '../../shared/webhooks/dispatch-outbox.ts';
import { logBackgroundErrorWith, logErrorWith, serviceLogger } from '../observability.ts';

export interface LocalServerOptions {
  /** Port to listen on; 0 for any free one. */
  readonly port: number;
  readonly tables: TableNames;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  readonly dynamoEndpoint?: string | undefined;
  /** Directory DynamoDB Local persists to; default in memory. */
  readonly dataDir?: string | undefined;
  /** Fixed key for the dev tenant; default a new random key each start. */
  readonly devApiKey?: string | undefined;
  /** Record assessments (default). False only for the no-persistence benchmark. */
  readonly recordAssessments?: boolean;
  /** Sweep every tenant's accounts this often, as EventBridge Scheduler does on AWS. Default 60 s; 0 turns it off. */
  readonly sweepIntervalMs?: number;
  /** Run the webhook dispatcher this often. Default 1 s; 0 turns it off. */
  readonly dispatchIntervalMs?: number;
  /** Requests per second per tenant; default no limit (SOFTLAND_TENANT_RATE_LIMIT in `npm start`). */
  readonly tenantRequestsPerSecond?: number | undefined;
  /** Development only: http and loopback webhook targets. Default: SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL=1. */
  readonly allowInsecureWebhooks?: boolean;
  /** A request whose headers and body have not all arrived after this long is answered 408. Default 30 s (API Gateway's own limit is 29 s). */
  readonly requestTimeoutMs?: number;
  /** Headers not all arrived after this long: 408. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /**
   * Large snapshots are assessed on this many worker threads, tenants taking turns, so one
   * tenant's heavy requests do not stall the server for the others (assess-pool.ts). Default:
   * the cores but one; 0 assesses everything on the server's own thread.
   */
  readonly assessThreads?: number;
  /** The desk's and /docs' assets; default built from desk/ on the first page request. */
  readonly pages?: DeskAssetSource;
}

export interface LocalServer {
  readonly url: string;
  /** A key of the dev tenant, ready to use. */
  readonly apiKey: string;
  readonly tenantId: string;
  readonly dynamoEndpoint: string;
  readonly stores: Stores;
  /** Stops the HTTP server, then DynamoDB Local if this server started it. */
  stop(): Promise<void>;
}

/** The local server logs as the Lambdas do (JSON lines, the Powertools Logger); it publishes no metrics. */
const logger = serviceLogger('local');
const logError = logBackgroundErrorWith(logger);

/** The name the dev tenant is created under; found again on restarts with --data. */
const DEV_TENANT = 'dev';

/**
 * The whole service on this machine: DynamoDB Local (unless an endpoint is given),
 * the tables, a dev tenant and key, and the API on `port`.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  let database: DynamoDbLocal | undefined;
  const endpoint = options.dynamoEndpoint ?? (database = await startDynamoDbLocal({ ...(options.dataDir ? { dataDir: options.dataDir } : {}) })).endpoint;
  try {
    const db = createDynamoClient({ endpoint });
    await ensureTables(db, options.tables);
    const stores = createStores(db, options.tables);
    const { tenantId, apiKey } = await devCredentials(stores, options.devApiKey);
    const runner = inProcessRunner(stores, logError);
    const threads = options.assessThreads ?? Math.max(1, availableParallelism() - 1);
    const pool = threads > 0 ? new AssessPool({ size: threads }) : undefined;
    const allowInsecureWebhooks = options.allowInsecureWebhooks ?? allowInsecureLocalFromEnv();
    const app = createApp({
      stores,
      recordAssessments: options.recordAssessments ?? true,
      sweepRunner: runner,
      allowInsecureWebhooks,
      tenantRequestsPerSecond: options.tenantRequestsPerSecond,
      ...(pool ? { assessor: pool.assess } : {}),
      pages: options.pages ?? buildDesk,
      // As on Lambda: an unexpected error is one ERROR line whose correlation_id is the request's X-Request-Id.
      logError: logErrorWith(logger),
    });
    const server = await listen(app.fetch, options.port, { request: options.requestTimeoutMs ?? 30_000, headers: options.headersTimeoutMs ?? 10_000 });
    const timers = [
      every(options.sweepIntervalMs ?? 60_000, () => sweepAllTenants(stores, runner)),
      every(options.dispatchIntervalMs ?? 1_000, () => dispatchOnce(stores, new Date(), { allowInsecureLocal: allowInsecureWebhooks })),
    ];
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://localhost:${port}`,
      apiKey,
      tenantId,
      dynamoEndpoint: endpoint,
      stores,
      stop: async () => {
        for (const timer of timers) clearInterval(timer);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await pool?.close();
        db.destroy();
        await database?.stop();
      },
    };
  } catch (error) {
    await database?.stop();
    throw error;
  }
}

/** Runs `job` every `ms` (never two at once); 0 turns it off. */
function every(ms: number, job: () => Promise<unknown>): NodeJS.Timeout | undefined {
  if (ms <= 0) return undefined;
  let running = false;
  return setInterval(() => {
    if (running) return;
    running = true;
    job()
      .catch(logError)
      .finally(() => (running = false));
  }, ms);
}

/** The scheduled sweep: every tenant, one sweep each. */
async function sweepAllTenants(stores: Stores, runner: SegmentRunner): Promise<void> {
  for (const tenant of await stores.tenants.list()) await startSweep(stores, tenant.tenantId, 'schedule', runner);
}


/** The dev tenant's key: the fixed one when given (issued once), else a fresh one; the tenant is found again on a kept database. */
async function devCredentials(stores: Stores, fixedKey: string | undefined): Promise<{ tenantId: string; apiKey: string }> {
  if (!fixedKey) return tenantWithFreshKey(stores, DEV_TENANT);
  const known = await stores.apiKeys.authenticate(fixedKey);
  if (known) return { tenantId: known.tenantId, apiKey: fixedKey };
  const { tenantId } = await tenantNamed(stores, DEV_TENANT);
  const key = await stores.apiKeys.issue(tenantId, { secret: fixedKey });
  return { tenantId, apiKey: key.secret };
}

/** Port already taken: says so instead of a stack trace. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use: stop the other server or set PORT to another port`);
    this.name = 'PortInUseError';
  }
}

/**
 * Serves `fetch` on `port`. A client that trickles its headers or body is cut off with 408
 * after the timeouts (Node's own defaults are 60 s and 300 s: one slow client per socket
 * could hold it for five minutes).
 */
function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, timeouts: { request: number; headers: number }): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '127.0.0.1', serverOptions: { requestTimeout: timeouts.request, headersTimeout: Math.min(timeouts.headers, timeouts.request), connectionsCheckingInterval: Math.min(1_000, timeouts.request) } });
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error));
  });
}
