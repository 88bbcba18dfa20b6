/**
 * Per-stage settings, from CDK context (`-c stage=prod`, …). Everything has a default so
 * `npx cdk synth -c stage=dev` works offline with no other input.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { ASSESSMENT_RETENTION_DAYS } from '../shared/store/assessments.ts';
import type { AccountPartitionMode } from '../shared/store/account-partitions.ts';

const ACCOUNT_PARTITION_MODES: readonly AccountPartitionMode[] = ['write', 'read'];

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
  /**
   * Days a recorded assessment is kept before DynamoDB's TTL deletes it
   * (`-c assessmentRetentionDays=…`, default ASSESSMENT_RETENTION_DAYS = 400); passed to
   * the functions that record assessments as SOFTLAND_ASSESSMENT_RETENTION_DAYS.
   */
  readonly assessmentRetentionDays: number;
  /**
   * Whether new accounts and moves go to the account partitions (`-c accountPartitions=…`,
   * `write` by default; `read` for the first of the two deploys that upgrade a stack holding
   * accounts: shared/store/account-partitions.ts, docs/deploy.md). Passed to every function as
   * SOFTLAND_ACCOUNT_PARTITIONS.
   */
  readonly accountPartitions: AccountPartitionMode;
  /**
   * Reserved concurrency of the sweep worker (`-c workerConcurrency=…`; 8 dev, 32 prod):
   * the most segments swept at once, so that a fan-out cannot take the concurrency the API needs.
   */
  readonly workerConcurrency: number;
  /** WAFv2 web ACL on the API stage (`-c waf=true|false`; on in prod, off elsewhere). */
  readonly waf: boolean;
  /**
   * The web ACL's rate-based rule: requests per source IP per 5 minutes (`-c wafRateLimit=…`).
   * Default: the per-tenant rate over 5 minutes (prod 100/s → 30,000), so that WAF never
   * blocks an exchange calling from one address before its own tenant limit would; lower it
   * (e.g. 2,000) where tenants call from many addresses.
   */
  readonly wafRateLimit: number;
  /**
   * How CodeDeploy shifts the API alias `live` to a new version (`-c apiDeployment=…`):
   * `canary` (prod default) 10 % for 5 minutes then all, `allAtOnce` (default elsewhere).
   * Either way it rolls back when a rollback alarm fires.
   */
  readonly apiDeployment: ApiDeploymentMode;
  /** The API's p99 latency alarm threshold in milliseconds (`-c apiLatencyP99Ms=…`, default 3,000). */
  readonly apiLatencyP99Ms: number;
  /**
   * The key encrypting the tables that hold secrets (`SECRET_TABLES`: webhook endpoints with
   * their signing secrets), `-c tableKey=…`: `customer` (prod default) a customer-managed KMS
   * key of the stack, rotated yearly; `aws` (default elsewhere) DynamoDB's AWS-owned key, free.
   */
  readonly tableKey: TableKeyMode;
  /**
   * The API's own domain (`-c domainName=api.example.com -c certificateArn=arn:aws:acm:…`, both
   * or neither): a regional custom domain with that ACM certificate (of the stack's region),
   * TLS 1.2 at least, mapped to the stage. Point a CNAME (or a Route 53 alias) at the
   * `ApiDomainTarget` output. Undefined: the execute-api URL only.
   */
  readonly domain: { readonly name: string; readonly certificateArn: string } | undefined;
}

export const TABLE_KEY = ['customer', 'aws'] as const;
export type TableKeyMode = (typeof TABLE_KEY)[number];

export const API_DEPLOYMENT = ['canary', 'allAtOnce'] as const;
export type ApiDeploymentMode = (typeof API_DEPLOYMENT)[number];

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
    assessmentRetentionDays: positive(node, 'assessmentRetentionDays', ASSESSMENT_RETENTION_DAYS),
    accountPartitions: oneOf(node, 'accountPartitions', ACCOUNT_PARTITION_MODES, 'write'),
    workerConcurrency: positive(node, 'workerConcurrency', isProd ? 32 : 8),
    waf: booleanContext(node, 'waf', isProd),
    wafRateLimit: wafRateLimitContext(node, numberContext(node, 'tenantRate', isProd ? 100 : 20) * 300),
    apiDeployment: oneOf(node, 'apiDeployment', API_DEPLOYMENT, isProd ? 'canary' : 'allAtOnce'),
    apiLatencyP99Ms: positive(node, 'apiLatencyP99Ms', 3_000),
    tableKey: oneOf(node, 'tableKey', TABLE_KEY, isProd ? 'customer' : 'aws'),
    domain: domainContext(node),
  };
}

const DOMAIN_NAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;

function domainContext(node: Node): StageConfig['domain'] {
  const name: unknown = node.tryGetContext('domainName');
  const certificateArn: unknown = node.tryGetContext('certificateArn');
  if (!name && !certificateArn) return undefined;
  if (!name || !certificateArn) throw new Error('context domainName and certificateArn go together: give both, or neither');
  if (!DOMAIN_NAME.test(String(name))) throw new Error(`context domainName must be a lower-case DNS name such as api.example.com, got "${String(name)}"`);
  if (!CERTIFICATE_ARN.test(String(certificateArn))) throw new Error(`context certificateArn must be an ACM certificate ARN, got "${String(certificateArn)}"`);
  return { name: String(name), certificateArn: String(certificateArn) };
}

function positive(node: Node, key: string, fallback: number): number {
  const value = numberContext(node, key, fallback);
  if (value < 1) throw new Error(`context ${key} must be a positive integer, got "${String(node.tryGetContext(key))}"`);
  return value;
}

/** WAF accepts a rate limit of 10 to 2,000,000,000 requests per evaluation window. */
function wafRateLimitContext(node: Node, fallback: number): number {
  const value = numberContext(node, 'wafRateLimit', Math.max(fallback, 10));
  if (value < 10) throw new Error(`context wafRateLimit must be at least 10 (requests per IP per 5 minutes), got "${String(node.tryGetContext('wafRateLimit'))}"`);
  return value;
}

function booleanContext(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context ${key} must be true or false, got "${String(raw)}"`);
}

function oneOf<T extends string>(node: Node, key: string, allowed: readonly T[], fallback: T): T {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (!(allowed as readonly unknown[]).includes(raw)) throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got "${String(raw)}"`);
  return raw as T;
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
