/**
 * Traces of the functions with no bundle budget (coordinator, worker, dispatcher, admin), with
 * the Powertools Tracer: each invocation a segment annotated by the handler (cold start,
 * service), and every DynamoDB call a subsegment, so a slow or throttled sweep shows which
 * table and operation held it. Outgoing HTTPS is not captured: the dispatcher's webhook
 * deliveries keep their own sockets untouched.
 *
 * The API does not import this module (test/architecture.test.ts): the Tracer bundles
 * aws-xray-sdk-core, which would take the API past its bundle and cold-start budgets
 * (docs/deploy.md, "Traces"); Lambda's active tracing still records its invocations.
 *
 * Outside Lambda (tests, the local server) the Tracer turns itself off: nothing is wrapped
 * or sent.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Stores } from '../shared/store/index.ts';
import { serviceNameOf, type ObservedFunction } from './observability.ts';
import { storesFromEnv } from './shared-env.ts';

export interface Tracing {
  readonly tracer: Tracer;
  /** The handler's middleware: a subsegment per invocation, responses not recorded (they can hold a key's secret). */
  readonly middleware: MiddlewareObj;
  /** The stores for this environment, with every DynamoDB call traced. */
  readonly stores: Stores;
}

export function tracing(fn: Exclude<ObservedFunction, 'api' | 'local'>, env: NodeJS.ProcessEnv = process.env): Tracing {
  const tracer = new Tracer({ serviceName: serviceNameOf(fn, env), captureHTTPsRequests: false });
  return {
    tracer,
    middleware: captureLambdaHandler(tracer, { captureResponse: false }),
    stores: storesFromEnv(env, (client) => tracer.captureAWSv3Client(client)),
  };
}
