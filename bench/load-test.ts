import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { startLocalServer } from '../functions/local/server.ts';
import { tableNames } from '../shared/store/tables.ts';

export interface LoadOptions {
  readonly durationSeconds: number;
  readonly connections: number;
  /** Reuse this DynamoDB (tests); default: the server starts its own DynamoDB Local. */
  readonly dynamoEndpoint?: string;
}

export interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** 2xx answers. */
  readonly answered: number;
  /** Non-2xx answers, connection errors and timeouts. */
  readonly errors: number;
  /** 201 answers with no record found afterwards. */
  readonly lost: number;
}

const SNAPSHOT = readFileSync(new URL('../examples/healthy-hedged-options.json', import.meta.url), 'utf8');

/**
 * Sustained assessments against the local server with persistence on, then a count of
 * the records: every 201 must have its record. The load generator runs in a worker
 * thread so it does not share the server's event loop.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const accountId = `load-${randomBytes(4).toString('hex')}`;
  const body = JSON.stringify({ ...JSON.parse(SNAPSHOT), accountId });
  const server = await startLocalServer({
    port: 0,
    tables: tableNames(`load-${randomBytes(4).toString('hex')}-`),
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    sweepIntervalMs: 0,
    dispatchIntervalMs: 0,
  });
  try {
    const result = await autocannon({
      url: `${server.url.replace('//localhost:', '//127.0.0.1:')}/v1/assessments`,
      method: 'POST',
      headers: { Authorization: `Bearer ${server.apiKey}`, 'Content-Type': 'application/json' },
      body,
      connections: options.connections,
      duration: options.durationSeconds,
      workers: 1,
    });
    let recorded = 0;
    let cursor: string | undefined;
    do {
      const page = await server.stores.assessments.listByAccount(server.tenantId, accountId, { limit: 100, cursor });
      recorded += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return {
      rps: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      answered: result['2xx'],
      errors: result.non2xx + result.errors + result.timeouts,
      lost: Math.max(0, result['2xx'] - recorded),
    };
  } finally {
    await server.stop();
  }
}
