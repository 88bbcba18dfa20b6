/**
 * Alarms, all sent to one SNS topic (encrypted; e-mail subscription optional):
 * function errors and throttles, API 5xx, p99 latency and 429 rate, DynamoDB throttles,
 * sweeps falling behind, new and old messages in the dead-letter and failure queues, and
 * failing webhook endpoints (metrics the functions publish in their logs).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_DIMENSION } from '../../functions/metric-names.ts';

/**
 * The functions' own metrics (functions/observability.ts), published with the CloudWatch
 * embedded metric format by Powertools Metrics (JSON log lines, see docs/deploy.md) in this
 * namespace, each with the dimension `service` = the function's name
 * (POWERTOOLS_SERVICE_NAME, set by LambdaFunction).
 */
export const SOFTLAND_METRICS = {
  namespace: METRICS_NAMESPACE,
  serviceDimension: SERVICE_DIMENSION,
} as const;

/** The coordinator's count of tenants whose sweep of every account was still running when the next was due. */
export const SWEEP_SKIPPED_METRIC = METRIC.sweepsSkipped;

/** Requests answered 429, counted from the API's access log (the gateway's throttle and the function's tenant limit alike). */
export const API_429_METRIC = 'ApiRateLimited';

/** How long a message may sit in a dead-letter queue before the age alarm fires: a day unhandled. */
export const DEAD_LETTER_MAX_AGE_SECONDS = 86_400;

/** The webhook metrics the alarms read: the dispatcher's counts of one invocation. */
export const WEBHOOK_METRICS = {
  namespace: SOFTLAND_METRICS.namespace,
  failed: METRIC.deliveriesFailed,
  retried: METRIC.deliveriesRetried,
} as const;

export interface MonitoringProps {
  readonly namePrefix: string;
  readonly removalPolicy: RemovalPolicy;
  readonly alarmEmail: string | undefined;
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, private readonly props: MonitoringProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key: a key of our own.
    const key = new Key(this, 'TopicKey', {
      description: `Encrypts the ${props.namePrefix} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(7),
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Alarms', { topicName: `${props.namePrefix}-alarms`, masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);
  }

  /** An alarm when `metric` reaches `threshold` in one period (or `datapointsToAlarm` of `evaluationPeriods`); missing data is not breaching. */
  alarm(id: string, metric: IMetric, threshold: number, description: string, periods: { evaluationPeriods: number; datapointsToAlarm: number } = { evaluationPeriods: 1, datapointsToAlarm: 1 }): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.props.namePrefix}-${id}`,
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: periods.evaluationPeriods,
      datapointsToAlarm: periods.datapointsToAlarm,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** The alarm created as `id` (throws when there is none). */
  alarmById(id: string): Alarm {
    const alarm = this.alarms.find((a) => a.node.id === id);
    if (!alarm) throw new Error(`no alarm ${id}`);
    return alarm;
  }

  /**
   * Two alarms per dead-letter queue: one when a message arrives (it fires on each new failure
   * and clears, where "messages visible" stays red for the queue's 14 days and hides the next
   * failure), one when the oldest message has waited a day (nobody looked at it).
   */
  deadLetterAlarms(name: string, queue: IQueue, what: string): void {
    this.alarm(
      `${name}New`,
      queue.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      `${what} arrived in ${queue.queueName} in the last 5 minutes.`,
    );
    this.alarm(
      `${name}Age`,
      queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      DEAD_LETTER_MAX_AGE_SECONDS,
      `The oldest message in ${queue.queueName} has waited a day: ${what.toLowerCase()} not looked into yet.`,
    );
  }

  /**
   * The share of API requests answered 429 (counted from the access log, whose `status` is
   * the answer's), over 5 minutes, in 2 of 3 periods with at least 100 requests: callers are
   * being turned away (a tenant over its limit, the stage throttle, or a flood).
   */
  rateLimitedAlarm(accessLogs: ILogGroup, requests: IMetric, share: number): void {
    new MetricFilter(this, 'ApiRateLimitedFilter', {
      logGroup: accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: SOFTLAND_METRICS.namespace,
      metricName: API_429_METRIC,
      metricValue: '1',
      defaultValue: 0,
    });
    const period = Duration.minutes(5);
    const limited = new Metric({ namespace: SOFTLAND_METRICS.namespace, metricName: API_429_METRIC, statistic: 'Sum', period });
    this.alarm(
      'ApiRateLimited',
      new MathExpression({ expression: 'IF(requests >= 100, limited / requests, 0)', usingMetrics: { limited, requests }, period, label: 'share of requests answered 429' }),
      share,
      `More than ${share * 100}% of API requests were answered 429 in 2 of the last 3 five-minute periods.`,
      { evaluationPeriods: 3, datapointsToAlarm: 2 },
    );
  }

  /** Throttled reads and writes on each of `tables` (on-demand tables throttle when a partition is hot). */
  dynamoThrottleAlarms(tables: Readonly<Record<string, Table>>): void {
    for (const [name, table] of Object.entries(tables)) {
      const metric = (metricName: string) => new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: table.tableName }, statistic: 'Sum', period: Duration.minutes(5) });
      this.alarm(
        `${name[0]!.toUpperCase()}${name.slice(1)}Throttles`,
        new MathExpression({ expression: 'reads + writes', usingMetrics: { reads: metric('ReadThrottleEvents'), writes: metric('WriteThrottleEvents') }, period: Duration.minutes(5) }),
        10,
        `DynamoDB throttled 10 or more reads and writes on ${table.tableName} in 5 minutes: a hot partition (docs/capacity.md).`,
      );
    }
  }

  /** Sweeps falling behind: in 3 of 5 minutes a tenant's sweep of every account was still running when the next was due. */
  sweepLagAlarm(coordinatorFunctionName: string): void {
    this.alarm(
      'SweepLag',
      new Metric({
        namespace: SOFTLAND_METRICS.namespace,
        metricName: SWEEP_SKIPPED_METRIC,
        dimensionsMap: { [SOFTLAND_METRICS.serviceDimension]: coordinatorFunctionName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      1,
      'Sweeps are falling behind: in 3 of the last 5 minutes a tenant\'s sweep was still running when the next one was due (more accounts than the workers sweep in a minute: docs/capacity.md).',
      { evaluationPeriods: 5, datapointsToAlarm: 3 },
    );
  }

  /** Alarms on the dispatcher's failed and retried deliveries (metrics it publishes per invocation, its name as their `service`). */
  webhookAlarms(dispatcherFunctionName: string): void {
    const metric = (metricName: string) =>
      new Metric({
        namespace: WEBHOOK_METRICS.namespace,
        metricName,
        dimensionsMap: { [SOFTLAND_METRICS.serviceDimension]: dispatcherFunctionName },
        statistic: 'Sum',
        period: Duration.minutes(15),
      });
    this.alarm(
      'WebhookDeliveriesFailed',
      metric(WEBHOOK_METRICS.failed),
      1,
      'Webhook deliveries marked failed (endpoint gone, disabled, refused, or retries exhausted after about three days) in 15 minutes.',
    );
    this.alarm(
      'WebhookDeliveriesRetried',
      metric(WEBHOOK_METRICS.retried),
      20,
      'Webhook attempts that failed and were rescheduled (endpoints answering 5xx/429 or timing out) in 15 minutes.',
    );
  }
}
