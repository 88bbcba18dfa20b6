/**
 * Alarms, all sent to one SNS topic (encrypted; e-mail subscription optional):
 * function errors and throttles, API 5xx, messages in the dead-letter and failure
 * queues, and failing webhook endpoints (metrics the dispatcher publishes in its logs).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/**
 * The functions' own metrics (functions/observability.ts), published with the CloudWatch
 * embedded metric format by Powertools Metrics (JSON log lines, see docs/deploy.md) in this
 * namespace, each with the dimension `service` = the function's name
 * (POWERTOOLS_SERVICE_NAME, set by LambdaFunction).
 */
export const SOFTLAND_METRICS = {
  namespace: 'Softland',
  serviceDimension: 'service',
} as const;

/** The webhook metrics the alarms read: the dispatcher's counts of one invocation. */
export const WEBHOOK_METRICS = {
  namespace: SOFTLAND_METRICS.namespace,
  failed: 'WebhookDeliveriesFailed',
  retried: 'WebhookDeliveriesRetried',
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
