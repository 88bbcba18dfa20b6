/**
 * Per-stage settings, from CDK context (`-c stage=prod`, …). Everything has a default so
 * `npx cdk synth -c stage=dev` works offline with no other input.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';

export interface StageConfig {
  /** Stage name: `dev`, `prod`, or any other short lowercase name. */
  readonly stage: string;
  /** Only `prod` keeps data: deletion protection on, tables and logs retained. */
  readonly isProd: boolean;
  /** Table prefix (`softland-<stage>-`); physical names come from `tableNames(prefix)`. */
  readonly tablePrefix: string;
  /** Prefix of every other physical name (functions, queues, schedules). */
  readonly namePrefix: string;
  /** RETAIN in prod, DESTROY elsewhere. */
  readonly removalPolicy: RemovalPolicy;
  /** API Gateway stage throttle: steady requests per second, for all callers together. */
  readonly throttleRatePerSecond: number;
  /** API Gateway stage throttle: burst (token bucket size). */
  readonly throttleBurst: number;
  /** Requests per second per tenant, enforced by the API function across all its instances. */
  readonly tenantRatePerSecond: number;
  /** Reserved concurrency of the webhook dispatcher (0: none reserved). */
  readonly dispatcherConcurrency: number;
  /** Optional e-mail address subscribed to the alarm topic. */
  readonly alarmEmail: string | undefined;
  /**
   * Where webhooks leave from (`-c webhookEgress=…`). `direct` (default): the dispatcher
   * runs outside any VPC, from Lambda's shared public addresses, which change.
   * `fixed`: the dispatcher runs in a VPC of its own whose NAT gateways send every webhook
   * from two Elastic IPs (stack outputs `WebhookEgressIps`), for exchanges that allowlist
   * source addresses. Costs NAT gateway hours and per-GB charges (docs/deploy.md).
   */
  readonly webhookEgress: WebhookEgressMode;
}

export const WEBHOOK_EGRESS = ['direct', 'fixed'] as const;
export type WebhookEgressMode = (typeof WEBHOOK_EGRESS)[number];

const STAGE_PATTERN = /^[a-z][a-z0-9]{1,11}$/;

/** Reads the stage settings from the construct tree's context. */
export function stageConfig(node: Node): StageConfig {
  const stage = String(node.tryGetContext('stage') ?? 'dev');
  if (!STAGE_PATTERN.test(stage)) throw new Error(`stage must match ${STAGE_PATTERN} (e.g. dev, prod), got "${stage}"`);
  const isProd = stage === 'prod';
  const alarmEmail = node.tryGetContext('alarmEmail') as string | undefined;
  return {
    stage,
    isProd,
    tablePrefix: `softland-${stage}-`,
    namePrefix: `softland-${stage}`,
    removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    throttleRatePerSecond: numberContext(node, 'throttleRate', isProd ? 500 : 50),
    throttleBurst: numberContext(node, 'throttleBurst', isProd ? 1000 : 100),
    tenantRatePerSecond: numberContext(node, 'tenantRate', isProd ? 100 : 20),
    dispatcherConcurrency: numberContext(node, 'dispatcherConcurrency', 2),
    alarmEmail: alarmEmail ? String(alarmEmail) : undefined,
    webhookEgress: webhookEgressContext(node),
  };
}

function webhookEgressContext(node: Node): WebhookEgressMode {
  const raw: unknown = node.tryGetContext('webhookEgress');
  if (raw === undefined || raw === null || raw === '') return 'direct';
  if (!(WEBHOOK_EGRESS as readonly unknown[]).includes(raw)) throw new Error(`context webhookEgress must be one of ${WEBHOOK_EGRESS.join(', ')}, got "${String(raw)}"`);
  return raw as WebhookEgressMode;
}

function numberContext(node: Node, key: string, fallback: number): number {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`context ${key} must be a non-negative integer, got "${String(raw)}"`);
  return value;
}
