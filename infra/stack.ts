/**
 * The Softland stack of one stage: DynamoDB tables (from shared/store/tables.ts), the API
 * behind API Gateway, the sweep (a scheduled coordinator fanning segments out to
 * workers), the scheduled webhook dispatcher, dead-letter queues and alarms; with
 * `webhookEgress: 'fixed'`, the dispatcher's VPC with fixed egress addresses.
 */
import { CfnOutput, Duration, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, type IRole, type Role } from 'aws-cdk-lib/aws-iam';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Alias, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ACCOUNT_PARTITIONS_ENV } from '../shared/store/account-partitions.ts';
import { ASSESSMENT_RETENTION_ENV } from '../shared/store/assessments.ts';
import { TABLES, type TableId } from '../shared/store/tables.ts';
import { BULK_ACCESS, READ_ACTIONS, TABLE_ACCESS, WRITE_ACTIONS } from './access.ts';
import type { FunctionId } from './bundling.ts';
import type { StageConfig } from './config.ts';
import { OverviewDashboard } from './constructs/dashboard.ts';
import { HttpApi } from './constructs/http-api.ts';
import { LambdaFunction, type LambdaFunctionProps } from './constructs/lambda-function.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { SECRET_TABLES, Tables, tableResourceArns, type SoftlandTables } from './constructs/tables.ts';
import { WebhookEgress } from './constructs/webhook-egress.ts';

/** How the scheduler retries an invocation it could not make, and how late it may still make it. */
export const SCHEDULE_RETRY_ATTEMPTS = 2;
export const SCHEDULE_MAX_EVENT_AGE = Duration.minutes(2);
/** Lambda's retries of a failed asynchronous worker invocation (one sweep segment; segments are idempotent). */
export const WORKER_RETRY_ATTEMPTS = 2;

export interface SoftlandStackProps extends StackProps {
  readonly config: StageConfig;
}

export class SoftlandStack extends Stack {
  readonly config: StageConfig;
  readonly tables: SoftlandTables;
  /** The customer-managed key of the tables that hold secrets (`tableKey: 'customer'`, prod default). */
  readonly secretsKey: Key | undefined;
  readonly functions: Readonly<Record<FunctionId, LambdaFunction>>;
  readonly httpApi: HttpApi;
  readonly scheduleDeadLetters: Queue;
  readonly asyncFailures: Queue;
  readonly monitoring: Monitoring;
  /** The API function's alias `live` (what API Gateway invokes), shifted by CodeDeploy. */
  readonly apiAlias: Alias;
  /** CodeDeploy's deployment group for the API alias: canary (prod) or all at once, rolled back on `rollbackAlarms`. */
  readonly apiDeployment: LambdaDeploymentGroup;
  readonly dashboard: OverviewDashboard;
  /** The dispatcher's VPC, NAT gateways and Elastic IPs: only with `webhookEgress: 'fixed'`. */
  readonly webhookEgress: WebhookEgress | undefined;

  /**
   * The region's first two AZs as CloudFormation resolves them (`Fn::GetAZs`), what an
   * environment-agnostic stack gets anyway. Overridden so that a stack pinned to an account
   * and region (`-c account=… -c region=…`) does not look the AZs up at synthesis (the
   * webhook egress VPC asks for them): synthesis stays offline, without credentials.
   */
  override get availabilityZones(): string[] {
    return [0, 1].map((i) => Fn.select(i, Fn.getAzs()));
  }

  constructor(scope: Construct, id: string, props: SoftlandStackProps) {
    super(scope, id, props);
    const config = (this.config = props.config);
    const { namePrefix, removalPolicy } = config;

    const tables = new Tables(this, 'Tables', config);
    this.tables = tables.tables;
    this.secretsKey = tables.secretsKey;

    // --- Queues: what the scheduler could not deliver, and asynchronous invocations that failed for good.
    const queue = (queueId: string, nameSuffix: string) => {
      const q = new Queue(this, queueId, {
        queueName: `${namePrefix}-${nameSuffix}`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy,
      });
      Validations.of(q).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue: it only keeps failed invocations (with their payload) for inspection and manual replay, so it needs no dead-letter queue of its own.',
      });
      return q;
    };
    this.scheduleDeadLetters = queue('ScheduleDeadLetters', 'schedule-dlq');
    this.asyncFailures = queue('AsyncFailures', 'async-failures');

    // --- Functions.
    // Every function reads the tables by their prefix, and reads (or writes) the account partitions in the stage's mode.
    const tableNameEnv = { SOFTLAND_TABLE_PREFIX: config.tablePrefix, [ACCOUNT_PARTITIONS_ENV]: config.accountPartitions };
    // The functions that record assessments stamp them with this retention (TTL).
    const retentionEnv = { [ASSESSMENT_RETENTION_ENV]: String(config.assessmentRetentionDays) };
    const make = (functionId: FunctionId, props: Omit<LambdaFunctionProps, 'functionId' | 'functionName' | 'removalPolicy'>) => {
      const f = new LambdaFunction(this, pascal(functionId), { functionId, functionName: `${namePrefix}-${functionId}`, removalPolicy, ...props });
      grantTables(f.role, functionId, this.tables, this.secretsKey);
      Validations.of(f.fn).acknowledge({
        id: 'AwsSolutions::AwsSolutions-L1',
        reason: 'nodejs22.x is pinned on purpose (docs/architecture.md and docs/deploy.md: Node 20 in development and CI, nodejs22.x on Lambda); moving to a newer runtime goes with the test matrix.',
      });
      // A function in a VPC also has the network-interface actions on *: LambdaFunction acknowledges both.
      if (!props.network) {
        Validations.of(f.role).acknowledge({
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so their resource is *. It is the only wildcard in this role.',
        });
      }
      return f;
    };
    const worker = make('worker', {
      description: 'Re-assesses one segment of the registered accounts of a tenant (invoked asynchronously by the coordinator)',
      memorySize: 1024,
      timeout: Duration.minutes(5),
      // A fan-out of many tenants' segments queues here (asynchronous invocations wait and retry) instead of taking the API's concurrency.
      reservedConcurrentExecutions: config.workerConcurrency,
      environment: { ...tableNameEnv, ...retentionEnv },
    });
    const workerEnv = { ...tableNameEnv, SOFTLAND_SWEEP_WORKER_FUNCTION: worker.fn.functionName };
    const api = make('api', {
      description: 'Softland HTTP API (Hono) behind API Gateway',
      memorySize: 1024,
      timeout: Duration.seconds(15),
      environment: { ...workerEnv, ...retentionEnv, SOFTLAND_TENANT_RATE_LIMIT: String(config.tenantRatePerSecond) },
    });
    const coordinator = make('coordinator', {
      description: 'Every minute: starts one sweep per tenant and fans its segments out to the workers',
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: workerEnv,
    });
    // Webhooks from fixed addresses: the dispatcher alone in a VPC behind NAT gateways with Elastic IPs.
    const egress = (this.webhookEgress = config.webhookEgress === 'fixed' ? new WebhookEgress(this, 'WebhookEgress', { namePrefix, removalPolicy }) : undefined);
    const dispatcher = make('dispatcher', {
      description: 'Every minute: dispatches the webhook outbox until close to its timeout',
      memorySize: 512,
      // The loop stops 20 s before the deadline: each run works ~70 s, overlapping the next by ~10 s.
      timeout: Duration.seconds(90),
      reservedConcurrentExecutions: config.dispatcherConcurrency,
      environment: tableNameEnv,
      network: egress && { vpc: egress.vpc, subnets: egress.subnets, securityGroups: [egress.securityGroup] },
    });
    const admin = make('admin', {
      description: 'Tenant and key administration, invoked directly (aws lambda invoke): no workstation needs the tables',
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: tableNameEnv,
    });
    this.functions = { api, coordinator, worker, dispatcher, admin };

    // The API (POST /v1/sweeps) and the coordinator invoke workers, one asynchronous invocation per segment.
    for (const caller of [api, coordinator]) {
      caller.role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.fn.functionArn] }));
    }
    worker.fn.configureAsyncInvoke({
      retryAttempts: WORKER_RETRY_ATTEMPTS,
      maxEventAge: Duration.minutes(15),
      onFailure: new SqsDestination(this.asyncFailures),
    });
    // A failed scheduled run is not retried by Lambda: the next minute's run does the same work.
    for (const scheduled of [coordinator, dispatcher]) {
      scheduled.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1), onFailure: new SqsDestination(this.asyncFailures) });
    }

    // --- Schedules (EventBridge Scheduler): every minute, retried a little, then dead-lettered.
    const schedule = (scheduleId: string, name: string, target: LambdaFunction, description: string) =>
      new Schedule(this, scheduleId, {
        scheduleName: `${namePrefix}-${name}`,
        description,
        schedule: ScheduleExpression.rate(Duration.minutes(1)),
        target: new InvokeFunction(target.fn, {
          input: ScheduleTargetInput.fromObject({ source: 'softland.schedule', schedule: name }),
          retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge: SCHEDULE_MAX_EVENT_AGE,
          deadLetterQueue: this.scheduleDeadLetters,
        }),
      });
    schedule('SweepSchedule', 'sweep', coordinator, 'Runs the sweep coordinator every minute');
    schedule('DispatchSchedule', 'webhooks', dispatcher, 'Runs the webhook dispatcher every minute');

    // --- The API's published version and its alias `live`: API Gateway invokes the alias, CodeDeploy moves it.
    const apiAlias = (this.apiAlias = new Alias(this, 'ApiLive', { aliasName: 'live', version: api.fn.currentVersion, description: 'What API Gateway invokes; CodeDeploy shifts it to each new version' }));

    // --- API Gateway.
    this.httpApi = new HttpApi(this, 'Http', { config, handler: apiAlias });

    // --- Alarms.
    const monitoring = (this.monitoring = new Monitoring(this, 'Monitoring', {
      namePrefix,
      removalPolicy,
      alarmEmail: config.alarmEmail,
    }));
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    for (const [functionId, f] of Object.entries(this.functions)) {
      const name = pascal(functionId);
      monitoring.alarm(`${name}Errors`, f.fn.metricErrors(fiveMinutes), 1, `${f.fn.functionName} failed (unhandled error or timeout) in the last 5 minutes.`);
      monitoring.alarm(`${name}Throttles`, f.fn.metricThrottles(fiveMinutes), 1, `${f.fn.functionName} was throttled in the last 5 minutes.`);
    }
    monitoring.alarm('Api5xx', this.httpApi.api.metricServerError(fiveMinutes), 5, 'The API answered 5 or more 5xx responses in 5 minutes.');
    monitoring.deadLetterAlarms('ScheduleDeadLetters', this.scheduleDeadLetters, 'A scheduled invocation the scheduler could not deliver');
    monitoring.deadLetterAlarms('AsyncFailures', this.asyncFailures, 'An asynchronous invocation that failed for good (a sweep segment, after its retries)');
    monitoring.rateLimitedAlarm(this.httpApi.accessLogs, this.httpApi.api.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }), 0.05);
    monitoring.dynamoThrottleAlarms(this.tables);
    monitoring.sweepLagAlarm(coordinator.fn.functionName);
    monitoring.webhookAlarms(dispatcher.fn.functionName);
    const latency = monitoring.alarm(
      'ApiLatencyP99',
      this.httpApi.api.metricLatency({ period: Duration.minutes(1), statistic: 'p99' }),
      config.apiLatencyP99Ms,
      `The API's p99 latency reached ${config.apiLatencyP99Ms} ms in 2 of the last 3 minutes.`,
      { evaluationPeriods: 3, datapointsToAlarm: 2 },
    );

    // --- Safe deploys: CodeDeploy shifts `live` to the new version and rolls back when one of these fires.
    const rollbackAlarms = [monitoring.alarmById('Api5xx'), monitoring.alarmById('ApiErrors'), latency];
    this.apiDeployment = new LambdaDeploymentGroup(this, 'ApiDeployment', {
      alias: apiAlias,
      deploymentConfig: config.apiDeployment === 'canary' ? LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES : LambdaDeploymentConfig.ALL_AT_ONCE,
      alarms: rollbackAlarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    Validations.of(this.apiDeployment.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "CodeDeploy's service role for Lambda deployments: LambdaDeploymentGroup always attaches AWSCodeDeployRoleForLambdaLimited, the AWS-managed policy CodeDeploy documents for it (update aliases, read alarms, invoke hooks named CodeDeployHook_*). docs/deploy.md, \"Canary deploys of the API\".",
    });

    // --- Dashboard.
    this.dashboard = new OverviewDashboard(this, 'Dashboard', {
      namePrefix,
      api: this.httpApi.api,
      functions: Object.fromEntries(Object.entries(this.functions).map(([id, f]) => [id, f.fn])),
      tables: this.tables,
      queues: { ScheduleDeadLetters: this.scheduleDeadLetters, AsyncFailures: this.asyncFailures },
    });

    // --- Outputs.
    new CfnOutput(this, 'Stage', { value: config.stage });
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.api.url, description: 'Base URL for createSoftlandClient({ baseUrl })' });
    if (this.httpApi.domain) {
      new CfnOutput(this, 'ApiDomainUrl', { value: `https://${this.httpApi.domain.domainName}/`, description: 'The API at its own domain (once DNS points at ApiDomainTarget)' });
      new CfnOutput(this, 'ApiDomainTarget', { value: this.httpApi.domain.domainNameAliasDomainName, description: 'Point a CNAME or Route 53 alias of the domain here' });
    }
    new CfnOutput(this, 'TablePrefix', { value: config.tablePrefix, description: 'SOFTLAND_TABLE_PREFIX for the CLI against these tables' });
    for (const [functionId, f] of Object.entries(this.functions)) {
      new CfnOutput(this, `${pascal(functionId)}FunctionName`, { value: f.fn.functionName });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn });
    new CfnOutput(this, 'ApiAliasArn', { value: apiAlias.functionArn, description: 'The alias API Gateway invokes (live)' });
    egress?.addOutputs(this);
  }
}

/**
 * Grants a function's role exactly the table access `TABLE_ACCESS` lists (tables and their
 * indexes, no wildcards), Scan and Batch* only where `BULK_ACCESS` lists them, and the use of
 * the secrets key (through DynamoDB only) when it reads or writes a table encrypted with it.
 */
function grantTables(role: Role, functionId: FunctionId, tables: SoftlandTables, secretsKey: Key | undefined): void {
  const reads: string[] = [];
  const writes: string[] = [];
  const keyActions = new Set<string>();
  for (const [tableId, access] of Object.entries(TABLE_ACCESS[functionId]) as Array<[TableId, string]>) {
    const table = tables[tableId];
    const reading = access === 'read' || access === 'readWrite';
    const writing = access === 'write' || access === 'readWrite';
    if (reading) reads.push(...tableResourceArns(table, TABLES[tableId]));
    if (writing) writes.push(table.tableArn);
    if (secretsKey && SECRET_TABLES.includes(tableId)) {
      for (const a of reading ? KEY_READ_ACTIONS : []) keyActions.add(a);
      for (const a of writing ? KEY_WRITE_ACTIONS : []) keyActions.add(a);
    }
  }
  if (reads.length) role.addToPolicy(new PolicyStatement({ actions: [...READ_ACTIONS], resources: reads }));
  if (writes.length) role.addToPolicy(new PolicyStatement({ actions: [...WRITE_ACTIONS], resources: writes }));
  for (const [tableId, actions] of Object.entries(BULK_ACCESS[functionId]) as Array<[TableId, readonly string[]]>) {
    if (!TABLE_ACCESS[functionId][tableId]) throw new Error(`BULK_ACCESS gives ${functionId} ${actions.join(', ')} on ${tableId}, which TABLE_ACCESS does not list`);
    role.addToPolicy(new PolicyStatement({ actions: [...actions], resources: [tables[tableId].tableArn] }));
  }
  if (secretsKey && keyActions.size) {
    role.addToPolicy(
      new PolicyStatement({
        actions: [...keyActions].sort(),
        resources: [secretsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(role).region}.amazonaws.com` } },
      }),
    );
  }
}

/** What a principal needs on a table's customer-managed key to read the table (DynamoDB calls KMS on its behalf). */
export const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
/** … and to write it. */
export const KEY_WRITE_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] as const;

/**
 * The scheduler's Lambda target, granting `lambda:InvokeFunction` on the function itself
 * only (the stock target also grants every version and alias, `<arn>:*`).
 */
class InvokeFunction extends LambdaInvoke {
  private readonly invoked: IFunction;

  constructor(invoked: IFunction, props: ScheduleTargetBaseProps) {
    super(invoked, props);
    this.invoked = invoked;
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.invoked.functionArn] }));
  }
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
