/**
 * One CloudWatch dashboard per stage (`<namePrefix>-overview`): API requests, p99 latency,
 * 4xx, 429 and 5xx; assessments by tier; sweep throughput and lag; webhook deliveries by
 * outcome; Lambda concurrency and throttles of every function; DynamoDB throttled reads and
 * writes per table; the age of the oldest message in each dead-letter queue.
 * docs/deploy.md, "Dashboard".
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Dashboard, GraphWidget, type IMetric, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '../../functions/metric-names.ts';
import { TIERS } from '../../shared/risk/tiers.ts';
import { API_429_METRIC, SOFTLAND_METRICS } from './monitoring.ts';

export interface OverviewDashboardProps {
  readonly namePrefix: string;
  readonly api: RestApi;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly tables: Readonly<Record<string, Table>>;
  readonly queues: Readonly<Record<string, IQueue>>;
}

/** The dashboard's graphs, by title (the tests check each is there). */
export const DASHBOARD_WIDGETS = [
  'API requests',
  'API latency p99 (ms)',
  'API 4xx, 429 and 5xx',
  'Assessments by tier (POST /v1/assessments)',
  'Sweeps: accounts assessed, tier changes, unassessable',
  'Sweeps started, skipped (still running), refused (stale market)',
  'Webhook deliveries by outcome',
  'Lambda concurrent executions',
  'Lambda throttles',
  'DynamoDB throttled requests',
  'Dead-letter queues: age of oldest message (s)',
] as const;

export class OverviewDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OverviewDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const [requests, latency, errors, assessments, sweepAccounts, sweepRuns, deliveries, concurrency, throttles, dynamo, dlq] = DASHBOARD_WIDGETS;
    /** A metric the functions publish (functions/observability.ts), by the function's name as `service`. */
    const own = (fn: IFunction, metricName: string, label: string, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: SOFTLAND_METRICS.namespace,
        metricName,
        dimensionsMap: { [SOFTLAND_METRICS.serviceDimension]: fn.functionName, ...dimensions },
        statistic: 'Sum',
        period,
        label,
      });
    const { api: apiFn, coordinator, worker, dispatcher } = props.functions as Record<'api' | 'coordinator' | 'worker' | 'dispatcher', IFunction>;
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });
    const perFunction = (metricName: string, statistic: string) =>
      Object.entries(props.functions).map(([name, fn]) => fn.metric(metricName, { statistic, period, label: name }));
    const perTable = (metricName: string) =>
      Object.entries(props.tables).map(
        ([name, table]) => new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: table.tableName }, statistic: 'Sum', period, label: `${name} ${metricName}` }),
      );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.namePrefix}-overview`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph(requests, [props.api.metricCount({ period, statistic: 'Sum', label: 'requests' })]),
          graph(latency, [
            props.api.metricLatency({ period, statistic: 'p99', label: 'p99 (API Gateway)' }),
            props.api.metricIntegrationLatency({ period, statistic: 'p99', label: 'p99 (integration)' }),
          ]),
          graph(errors, [
            props.api.metricClientError({ period, statistic: 'Sum', label: '4xx' }),
            new Metric({ namespace: SOFTLAND_METRICS.namespace, metricName: API_429_METRIC, statistic: 'Sum', period, label: '429' }),
            props.api.metricServerError({ period, statistic: 'Sum', label: '5xx' }),
          ]),
        ],
        [
          graph(assessments, TIERS.map((tier) => own(apiFn, METRIC.assessments, tier, { tier })), 6),
          graph(sweepAccounts, [own(worker, METRIC.sweepAccountsAssessed, 'assessed'), own(worker, METRIC.sweepTierChanges, 'tier changes'), own(worker, METRIC.sweepUnassessable, 'unassessable')], 6),
          graph(sweepRuns, [own(coordinator, METRIC.sweepsStarted, 'started'), own(coordinator, METRIC.sweepsSkipped, 'skipped'), own(coordinator, METRIC.sweepsRefused, 'refused')], 6),
          graph(
            deliveries,
            (['deliveriesDelivered', 'deliveriesRetried', 'deliveriesFailed', 'deliveriesDeferred'] as const).map((name) => own(dispatcher, METRIC[name], name.slice('deliveries'.length).toLowerCase())),
            6,
          ),
        ],
        [
          graph(concurrency, perFunction('ConcurrentExecutions', 'Maximum'), 12),
          graph(throttles, perFunction('Throttles', 'Sum'), 12),
        ],
        [
          graph(dynamo, [...perTable('ReadThrottleEvents'), ...perTable('WriteThrottleEvents')], 12),
          graph(
            dlq,
            Object.entries(props.queues).map(([name, q]) => q.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: name })),
            12,
          ),
        ],
      ],
    });
  }
}
