/**
 * AWS list prices the cost model uses: us-east-1, on-demand, USD, as published on each
 * service's pricing page. Taken on PRICES_TAKEN; every price names its page. A price marked
 * `verify` is AWS's figure as last known here, not re-read on that date: check it before
 * quoting a bill. These are estimates of list prices, not bills (no free tier but
 * Scheduler's, no Savings Plans, no taxes, no data transfer).
 */

export const PRICES_TAKEN = '2026-01-15';
export const PRICES_REGION = 'us-east-1';

export interface Price {
  readonly usd: number;
  /** What `usd` buys. */
  readonly per: string;
  readonly source: string;
  /** Not re-read on PRICES_TAKEN: AWS's figure as last known. */
  readonly verify?: boolean;
}

const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const SCHEDULER = 'https://aws.amazon.com/eventbridge/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';

export const PRICES = {
  /** On-demand write request unit: one write of up to 1 KB (a transactional write costs two). Price since the cut of 1 Nov 2024. */
  dynamoWriteRequestUnit: { usd: 0.625 / 1e6, per: 'write request unit (1 KB)', source: DYNAMODB },
  /** On-demand read request unit: one strongly consistent read of up to 4 KB, or two eventually consistent ones. Since 1 Nov 2024. */
  dynamoReadRequestUnit: { usd: 0.125 / 1e6, per: 'read request unit (4 KB)', source: DYNAMODB },
  /** Standard table class storage, past the first 25 GB free (not counted here). */
  dynamoStorageGbMonth: { usd: 0.25, per: 'GB-month', source: DYNAMODB },
  /** Lambda duration on arm64 (Graviton), first 7.5 billion GB-s a month. */
  lambdaArmGbSecond: { usd: 0.0000133334, per: 'GB-second (arm64)', source: LAMBDA },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request', source: LAMBDA },
  /** REST API requests, by monthly volume tier: first 333 million, next 667 million, next 19 billion, over 20 billion. */
  apiGatewayRestTiers: [
    { upTo: 333e6, usd: 3.5 / 1e6 },
    { upTo: 1e9, usd: 2.8 / 1e6 },
    { upTo: 20e9, usd: 2.38 / 1e6 },
    { upTo: Number.POSITIVE_INFINITY, usd: 1.51 / 1e6 },
  ],
  apiGatewayRest: { usd: 3.5 / 1e6, per: 'REST request (first 333 M a month; then 2.80, 2.38, 1.51 per million)', source: API_GATEWAY },
  /** EventBridge Scheduler invocations, past the 14 million free each month. */
  schedulerInvocation: { usd: 1 / 1e6, per: 'scheduled invocation (first 14 M a month free)', source: SCHEDULER },
  schedulerFreePerMonth: 14e6,
  /** CloudWatch Logs ingestion, standard class. */
  logsIngestedGb: { usd: 0.5, per: 'GB ingested', source: CLOUDWATCH },
  /** A standard-resolution metric alarm (a metric-math alarm: per metric it reads). */
  alarmMonth: { usd: 0.1, per: 'alarm metric-month', source: CLOUDWATCH, verify: true },
  /** A custom metric (first 10,000 a month; a metric is one name with one set of dimension values). */
  metricMonth: { usd: 0.3, per: 'custom metric-month (first 10,000)', source: CLOUDWATCH, verify: true },
} as const;

/** The price table as documented in docs/capacity.md (for `--json` and the human output). */
export function priceTable(): Array<{ item: string; usd: number; per: string; source: string; verify: boolean }> {
  const rows: Array<[string, Price]> = [
    ['DynamoDB on-demand write', PRICES.dynamoWriteRequestUnit],
    ['DynamoDB on-demand read', PRICES.dynamoReadRequestUnit],
    ['DynamoDB storage', PRICES.dynamoStorageGbMonth],
    ['Lambda duration (arm64)', PRICES.lambdaArmGbSecond],
    ['Lambda requests', PRICES.lambdaRequest],
    ['API Gateway REST', PRICES.apiGatewayRest],
    ['EventBridge Scheduler', PRICES.schedulerInvocation],
    ['CloudWatch Logs ingestion', PRICES.logsIngestedGb],
    ['CloudWatch alarm', PRICES.alarmMonth],
    ['CloudWatch custom metric', PRICES.metricMonth],
  ];
  return rows.map(([item, p]) => ({ item, usd: p.usd, per: p.per, source: p.source, verify: p.verify ?? false }));
}

/** The cost of `requests` REST API requests in one month, tier by tier. */
export function apiGatewayRestUsd(requests: number): number {
  let usd = 0;
  let from = 0;
  for (const tier of PRICES.apiGatewayRestTiers) {
    const inTier = Math.max(0, Math.min(requests, tier.upTo) - from);
    usd += inTier * tier.usd;
    from = tier.upTo;
    if (requests <= from) break;
  }
  return usd;
}
