/**
 * The names of the metrics the functions publish (functions/observability.ts), in a module
 * of their own with no dependency: the stack's alarms and dashboard (infra/) read the same
 * constants, so a renamed metric cannot leave an alarm watching nothing.
 */

/** The CloudWatch namespace of every metric (POWERTOOLS_METRICS_NAMESPACE on Lambda). */
export const METRICS_NAMESPACE = 'Softland';

/**
 * Every metric the functions publish (unit Count; dimension `service` = the function's
 * name, plus those named). Stable names: dashboards and alarms read them.
 */
export const METRIC = {
  /** API: one per assessment answered by POST /v1/assessments; dimension `tier`. */
  assessments: 'Assessments',
  /** Coordinator: sweeps started (segments fanned out to workers), per run. */
  sweepsStarted: 'SweepsStarted',
  /** Coordinator: sweeps refused at once (market data missing or stale: `market.stale`), per run. */
  sweepsRefused: 'SweepsRefused',
  /** Coordinator: tenants whose earlier sweep of every account was still running, so none started, per run. */
  sweepsSkipped: 'SweepsSkipped',
  /** Worker: segments completed (a retried segment already recorded counts nothing). */
  sweepSegments: 'SweepSegmentsCompleted',
  /** Worker: accounts re-assessed by the segment. */
  sweepAccountsAssessed: 'SweepAccountsAssessed',
  /** Worker: accounts whose tier changed (each with its outbox event). */
  sweepTierChanges: 'SweepTierChanges',
  /** Worker: accounts that could not be assessed (their reasons are on the sweep). */
  sweepUnassessable: 'SweepAccountsUnassessable',
  /** Dispatcher: deliveries a receiver accepted (2xx), per run. */
  deliveriesDelivered: 'WebhookDeliveriesDelivered',
  /** Dispatcher: attempts that failed and were rescheduled with backoff, per run (alarm WebhookDeliveriesRetried). */
  deliveriesRetried: 'WebhookDeliveriesRetried',
  /** Dispatcher: deliveries marked failed for good, per run (alarm WebhookDeliveriesFailed). */
  deliveriesFailed: 'WebhookDeliveriesFailed',
  /** Dispatcher: due deliveries left for a later run (their endpoint's circuit is open, or it stalled). */
  deliveriesDeferred: 'WebhookDeliveriesDeferred',
} as const;

/** The dimension every metric carries: the function's name (POWERTOOLS_SERVICE_NAME, set by the stack). */
export const SERVICE_DIMENSION = 'service';
