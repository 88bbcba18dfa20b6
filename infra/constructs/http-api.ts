/**
 * API Gateway (REST, regional) in front of the API function: a proxy of every path, a
 * stage-level throttle as a backstop for all callers together, access and error logs,
 * X-Ray, and gateway responses that keep API Gateway's own errors in the API's problem
 * format (RFC 9457), with `Retry-After` on 429 and 5xx.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, type DomainName, EndpointType, LambdaRestApi, LogGroupLogDestination, MethodLoggingLevel, ResponseType, SecurityPolicy } from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { ApiWebAcl } from './web-acl.ts';

/** Base of the problem `type` URIs, as in functions/api/problems.ts. */
const PROBLEM_TYPE_BASE = 'https://softland.dev/problems/';

/**
 * A problem body for a gateway response. Gateway response templates are not VTL, but
 * API Gateway substitutes `$context` variables; `messageString` is already a quoted JSON string.
 */
export function problemTemplate(p: { code: string; title: string; status?: number; detail?: string }): string {
  const detail = p.detail === undefined ? '$context.error.messageString' : JSON.stringify(p.detail);
  const status = p.status === undefined ? '' : `"status":${p.status},`;
  return `{"type":"${PROBLEM_TYPE_BASE}${p.code}","title":"${p.title}",${status}"code":"${p.code}","detail":${detail},"instance":"$context.path","requestId":"$context.requestId"}`;
}

export const RATE_LIMITED_BODY = problemTemplate({
  code: 'rate_limited',
  title: 'Too many requests',
  status: 429,
  detail: 'the request rate is above the limit of this API; retry after the Retry-After delay',
});

export interface HttpApiProps {
  readonly config: StageConfig;
  readonly handler: IFunction;
}

export class HttpApi extends Construct {
  readonly api: LambdaRestApi;
  readonly accessLogs: LogGroup;
  /** The WAFv2 web ACL on the stage (with `waf` on: prod by default). */
  readonly webAcl: ApiWebAcl | undefined;
  /** The API's own domain, when the stage has one (`-c domainName=… -c certificateArn=…`). */
  readonly domain: DomainName | undefined;

  constructor(scope: Construct, id: string, { config, handler }: HttpApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: config.removalPolicy });

    this.api = new LambdaRestApi(this, 'Api', {
      restApiName: `${config.namePrefix}-api`,
      description: `Softland risk engine HTTP API (${config.stage})`,
      handler,
      proxy: true,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Execution and access logging need API Gateway's account-level CloudWatch role.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: config.stage,
        throttlingRateLimit: config.throttleRatePerSecond,
        throttlingBurstLimit: config.throttleBurst,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Never log request or response bodies (portfolios, keys in headers).
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTimeEpoch',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            errorType: '$context.error.responseType',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    // The stack's ApiUrl output says the same; one output, not two.
    this.api.node.tryRemoveChild('Endpoint');

    this.domain = config.domain
      ? this.api.addDomainName('Domain', {
          domainName: config.domain.name,
          certificate: Certificate.fromCertificateArn(this, 'Certificate', config.domain.certificateArn),
          endpointType: EndpointType.REGIONAL,
          securityPolicy: SecurityPolicy.TLS_1_2,
        })
      : undefined;

    const problemJson = { 'Content-Type': "'application/problem+json'" };
    const retryAfter = { 'Retry-After': "'1'" };
    // The stage throttle (and usage-plan quotas, should any be added) answer 429: same problem as the API's own.
    this.api.addGatewayResponse('Throttled', {
      type: ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders: { ...problemJson, ...retryAfter },
      templates: { 'application/json': RATE_LIMITED_BODY },
    });
    this.api.addGatewayResponse('QuotaExceeded', {
      type: ResponseType.QUOTA_EXCEEDED,
      statusCode: '429',
      responseHeaders: { ...problemJson, ...retryAfter },
      templates: { 'application/json': RATE_LIMITED_BODY },
    });
    // Any other error API Gateway answers itself (the status code stays API Gateway's).
    this.api.addGatewayResponse('Default4xx', {
      type: ResponseType.DEFAULT_4XX,
      responseHeaders: problemJson,
      templates: { 'application/json': problemTemplate({ code: 'gateway_rejected', title: 'Request rejected' }) },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: ResponseType.DEFAULT_5XX,
      responseHeaders: { ...problemJson, ...retryAfter },
      templates: { 'application/json': problemTemplate({ code: 'service_unavailable', title: 'Service unavailable' }) },
    });

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason: 'Requests are validated by the API function itself (zod schemas, the single source of truth that also generates the OpenAPI document); failures answer 400 problems naming every failing field.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason: 'Every /v1 route is authenticated by the API function: per-tenant Bearer keys stored hashed in DynamoDB. /health, /openapi.json and /docs are public on purpose.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason: 'Callers are exchanges authenticated by per-tenant API keys (checked by the function), not Cognito users.',
      },
    );
    if (config.waf) {
      this.webAcl = new ApiWebAcl(this, 'WebAcl', { namePrefix: config.namePrefix, stage: this.api.deploymentStage, rateLimit: config.wafRateLimit });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG3',
        reason:
          'No WAF web ACL on this stage (-c waf=false, the default outside prod): a web ACL costs a fixed monthly fee per stage and non-production stages take no public traffic; callers are authenticated and the stage throttle backstops floods. docs/deploy.md, "Web ACL (WAF)", describes the prod ACL and how to turn it on here (-c waf=true).',
      });
    }
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-managed policy API Gateway documents for its account-level logging role; it only lets API Gateway write logs.",
      });
    }
  }
}
