/**
 * Logs and metrics of the entry points, with Powertools for AWS Lambda: one Logger (JSON
 * lines) and one Metrics (CloudWatch embedded metric format, namespace `Softland`) per
 * function, used as middy middlewares by every Lambda handler. The local server logs
 * through the same Logger. The metric names are a contract (the stack's alarms read two
 * of them): see docs/deploy.md, "Logs, metrics and traces".
 *
 * Traces are tracing.ts's, for every function but the API: the Powertools Tracer bundles
 * aws-xray-sdk-core, which takes the API bundle from 537 to 658 KiB (target 600) and its cold
 * init to 154 ms (target 150; docs/deploy.md). Lambda's active tracing still records each
 * of the API's invocations.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { SegmentRunOutcome } from '../shared/sweeps/sweep-runs.ts';
import type { DispatchCounts } from '../shared/webhooks/dispatch-outbox.ts';
import type { Assessor } from './api/env.ts';
import { METRIC, METRICS_NAMESPACE } from './metric-names.ts';

export { METRIC, METRICS_NAMESPACE };

/** The functions that log and publish metrics: the four Lambdas and the local server. */
export type ObservedFunction = 'api' | 'coordinator' | 'worker' | 'dispatcher' | 'admin' | 'local';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The middy middlewares of a Lambda handler: the Lambda context in the logs, metrics flushed after each invocation (with a ColdStart metric). */
  readonly middlewares: readonly MiddlewareObj[];
}

/**
 * The Logger and Metrics of one function. The service name is
 * POWERTOOLS_SERVICE_NAME (the stack sets the function's name, `softland-<stage>-api`),
 * else `softland-<fn>`; the log level POWERTOOLS_LOG_LEVEL (default INFO).
 */
export function observability(fn: ObservedFunction, env: NodeJS.ProcessEnv = process.env): Observability {
  const serviceName = serviceNameOf(fn, env);
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: env['POWERTOOLS_METRICS_NAMESPACE'] || METRICS_NAMESPACE, serviceName, logger: metricsLogger(logger) });
  return {
    logger,
    metrics,
    middlewares: [
      injectLambdaContext(logger, { resetKeys: true }),
      logMetrics(metrics, { captureColdStartMetric: true }),
    ],
  };
}

/** A function's Logger alone (the local server, which publishes no metrics). */
export function serviceLogger(fn: ObservedFunction, env: NodeJS.ProcessEnv = process.env): Logger {
  return new Logger({ serviceName: serviceNameOf(fn, env) });
}

export function serviceNameOf(fn: ObservedFunction, env: NodeJS.ProcessEnv): string {
  return env['POWERTOOLS_SERVICE_NAME'] || `softland-${fn}`;
}

/**
 * The Metrics' own diagnostics through the Logger. Its warning that an invocation
 * published no metric (most API requests assess nothing) is demoted to debug.
 */
function metricsLogger(logger: Logger) {
  const text = (content: unknown[]) => content.map(String).join(' ');
  return {
    debug: (...content: unknown[]) => logger.debug(text(content)),
    info: (...content: unknown[]) => logger.info(text(content)),
    warn: (...content: unknown[]) => (/^No application metrics to publish/.test(text(content)) ? logger.debug(text(content)) : logger.warn(text(content))),
    error: (...content: unknown[]) => logger.error(text(content)),
  };
}

/**
 * createApp's `logError`: an unexpected error as one ERROR line whose `correlation_id` is
 * the request's id (the `X-Request-Id` and problem `requestId` the client saw).
 */
export function logErrorWith(logger: Logger): (error: unknown, requestId: string) => void {
  return (error, requestId) => logged(logger, { message: 'unexpected error', correlation_id: requestId }, error);
}

/** A background failure (sweeps and dispatches of the local server) as one ERROR line. */
export function logBackgroundErrorWith(logger: Logger): (error: unknown) => void {
  return (error) => logged(logger, { message: 'background task failed', source: 'background' }, error);
}

/** An error line: an Error as Powertools formats it (name, message, stack, location, cause), anything else as a string. */
function logged(logger: Logger, line: { message: string } & Record<string, string>, error: unknown): void {
  if (error instanceof Error) logger.error(line, error);
  else logger.error({ ...line, error: String(error) });
}

/**
 * `assessor`, publishing one `Assessments` metric (dimension `tier`) per assessment it
 * answers. Its own EMF line each, so concurrent assessments never share dimensions.
 */
export function countingAssessor(assessor: Assessor, metrics: Metrics): Assessor {
  return async (snapshot, options, tenantId) => {
    const assessment = await assessor(snapshot, options, tenantId);
    metrics.singleMetric().addDimension('tier', assessment.tier).addMetric(METRIC.assessments, MetricUnit.Count, 1);
    return assessment;
  };
}

/**
 * The coordinator's run: sweeps started, refused for their market data, and skipped (the
 * tenant's earlier sweep, started before `since`, still running: startSweep answers it).
 */
export function addSweepStarts(
  metrics: Metrics,
  sweeps: ReadonlyArray<{ readonly status: string; readonly startedAt: string }>,
  since: Date,
): { started: number; refused: number; skipped: number } {
  const running = sweeps.filter((s) => s.status === 'running');
  const started = running.filter((s) => Date.parse(s.startedAt) >= since.getTime()).length;
  const counts = { started, refused: sweeps.length - running.length, skipped: running.length - started };
  metrics.addMetric(METRIC.sweepsStarted, MetricUnit.Count, counts.started);
  metrics.addMetric(METRIC.sweepsRefused, MetricUnit.Count, counts.refused);
  metrics.addMetric(METRIC.sweepsSkipped, MetricUnit.Count, counts.skipped);
  return counts;
}

/** A worker's segment: its progress, once (a retried segment already recorded adds nothing, as on the sweep). */
export function addSegmentProgress(metrics: Metrics, run: SegmentRunOutcome): void {
  if (!run.recorded) return;
  metrics.addMetric(METRIC.sweepSegments, MetricUnit.Count, 1);
  metrics.addMetric(METRIC.sweepAccountsAssessed, MetricUnit.Count, run.counts.assessed);
  metrics.addMetric(METRIC.sweepTierChanges, MetricUnit.Count, run.counts.tierChanges);
  metrics.addMetric(METRIC.sweepUnassessable, MetricUnit.Count, run.counts.errors);
}

/** A dispatcher run: its deliveries by outcome (zeros included: the alarms see a quiet run as 0). */
export function addDeliveryCounts(metrics: Metrics, counts: DispatchCounts): void {
  metrics.addMetric(METRIC.deliveriesDelivered, MetricUnit.Count, counts.delivered);
  metrics.addMetric(METRIC.deliveriesRetried, MetricUnit.Count, counts.retried);
  metrics.addMetric(METRIC.deliveriesFailed, MetricUnit.Count, counts.failed);
  metrics.addMetric(METRIC.deliveriesDeferred, MetricUnit.Count, counts.deferred);
  // In the same line, not metrics: the run's other counts, for Logs Insights.
  metrics.addMetadata('fannedOut', String(counts.fannedOut));
  metrics.addMetadata('attempted', String(counts.attempted));
}
