import { rmSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, TABLES, tableNames, type TableId } from '../shared/store/tables.ts';
import { BULK_ACCESS, BULK_ACTIONS, TABLE_ACCESS } from './access.ts';
import { ENTRIES, type FunctionId } from './bundling.ts';
import { ASSESSMENT_RETENTION_DAYS, ASSESSMENT_RETENTION_ENV } from '../shared/store/assessments.ts';
import { stageConfig } from './config.ts';
import { DEPLOYMENT } from '../shared/cost/model.ts';
import { DASHBOARD_WIDGETS } from './constructs/dashboard.ts';
import { SECRET_TABLES } from './constructs/tables.ts';
import { RATE_LIMITED_BODY } from './constructs/http-api.ts';
import { WAF_RATE_WINDOW_SECONDS } from './constructs/web-acl.ts';
import { API_429_METRIC, DEAD_LETTER_MAX_AGE_SECONDS, SWEEP_SKIPPED_METRIC, WEBHOOK_METRICS } from './constructs/monitoring.ts';
import type { SoftlandStack } from './stack.ts';
import { logicalId, synthStage, type SynthesizedStage } from './testing.ts';

// One synthesis per stage for the whole file (bundling is cached between the two).
const stages: Record<'dev' | 'prod', SynthesizedStage> = {} as never;
beforeAll(() => {
  stages.dev = synthStage('dev');
  stages.prod = synthStage('prod');
}, 120_000);
afterAll(() => {
  for (const { outdir } of Object.values(stages)) rmSync(outdir, { recursive: true, force: true });
});

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const resourcesOf = (t: Template, type: string) => t.findResources(type) as Record<string, Resource>;
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOfStatement = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Every IAM statement attached to a role (its inline policies). */
function statementsOf(t: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties['Roles'] as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((p) => p.Properties['PolicyDocument'].Statement as Statement[]);
}

const roleOf = (s: SoftlandStack, id: FunctionId) => logicalId(s, s.functions[id].role);
const tableArn = (s: SoftlandStack, id: TableId) => ({ 'Fn::GetAtt': [logicalId(s, s.tables[id]), 'Arn'] });
/** The actions a role may perform on a table (on the table itself or its indexes). */
function actionsOnTable(t: Template, s: SoftlandStack, fn: FunctionId, table: TableId): Set<string> {
  const tableLogicalId = logicalId(s, s.tables[table]);
  const actions = new Set<string>();
  for (const st of statementsOf(t, roleOf(s, fn))) {
    if (resourcesOfStatement(st).some((r) => JSON.stringify(r).includes(`"${tableLogicalId}"`))) for (const a of actionsOf(st)) actions.add(a);
  }
  return actions;
}

describe.each(['dev', 'prod'] as const)('the %s stack', (stage) => {
  const isProd = stage === 'prod';
  const get = () => stages[stage];

  describe('DynamoDB tables, from shared/store/tables.ts', () => {
    it('has exactly one table per TABLES entry, named tableNames(softland-<stage>-)', () => {
      const { template } = get();
      const names = tableNames(`softland-${stage}-`);
      const tables = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
      expect(tables.map((t) => t.Properties['TableName']).sort()).toEqual(Object.values(names).sort());
    });

    it.each(Object.keys(TABLES) as TableId[])('%s: keys, indexes and TTL as the local bootstrap creates them; on demand, PITR', (id) => {
      const { template } = get();
      const name = tableNames(`softland-${stage}-`)[id];
      const local = createTableInput(TABLES[id], name);
      const [table] = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table')).filter((t) => t.Properties['TableName'] === name);
      const p = table!.Properties;
      expect(p['KeySchema']).toEqual(local.KeySchema);
      expect(new Set(p['AttributeDefinitions'])).toEqual(new Set(local.AttributeDefinitions));
      const indexes = (p['GlobalSecondaryIndexes'] ?? []).map((g: Record<string, unknown>) => ({ IndexName: g['IndexName'], KeySchema: g['KeySchema'], Projection: g['Projection'] }));
      expect(indexes).toEqual(local.GlobalSecondaryIndexes ?? []);
      expect(p['BillingMode']).toBe('PAY_PER_REQUEST');
      expect(p['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
      const ttl = TABLES[id] as { timeToLiveAttribute?: string };
      if (ttl.timeToLiveAttribute) expect(p['TimeToLiveSpecification']).toEqual({ AttributeName: ttl.timeToLiveAttribute, Enabled: true });
      else expect(p['TimeToLiveSpecification']).toBeUndefined();
      expect(Boolean(p['DeletionProtectionEnabled'])).toBe(isProd);
      expect(table!.DeletionPolicy).toBe(isProd ? 'Retain' : 'Delete');
    });

    it('expires idempotency keys (TTL on expiresAt)', () => {
      get().template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: `softland-${stage}-idempotency`,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });
  });

  describe('Lambda functions', () => {
    it('bundles every entry point for nodejs22.x on arm64, ESM, source maps on, traced, with its own log group', () => {
      const { template, stack } = get();
      const fns = resourcesOf(template, 'AWS::Lambda::Function');
      expect(Object.keys(fns)).toHaveLength(Object.keys(ENTRIES).length);
      for (const id of Object.keys(ENTRIES) as FunctionId[]) {
        const fn = fns[logicalId(stack, stack.functions[id].fn)]!.Properties;
        expect(fn['FunctionName']).toBe(`softland-${stage}-${id}`);
        expect(fn['Runtime']).toBe('nodejs22.x');
        expect(fn['Architectures']).toEqual(['arm64']);
        expect(fn['Handler']).toBe('index.handler');
        expect(fn['TracingConfig']).toEqual({ Mode: 'Active' });
        expect(fn['Environment'].Variables).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', SOFTLAND_TABLE_PREFIX: `softland-${stage}-`, SOFTLAND_ACCOUNT_PARTITIONS: 'write' });
        // Powertools (functions/observability.ts): the function's name as the logs' and metrics' service.
        expect(fn['Environment'].Variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: `softland-${stage}-${id}`,
          POWERTOOLS_METRICS_NAMESPACE: 'Softland',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        });
        expect(fn['LoggingConfig'].LogGroup).toEqual({ Ref: logicalId(stack, stack.functions[id].logGroup) });
      }
      template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/lambda/softland-'), RetentionInDays: 30 }, Object.keys(ENTRIES).length);
    });

    it('tells the API and the coordinator the worker function to invoke', () => {
      const { template, stack } = get();
      for (const id of ['api', 'coordinator'] as const) {
        const fn = template.toJSON()['Resources'][logicalId(stack, stack.functions[id].fn)].Properties;
        expect(fn.Environment.Variables.SOFTLAND_SWEEP_WORKER_FUNCTION).toEqual({ Ref: logicalId(stack, stack.functions.worker.fn) });
      }
    });

    it('limits each tenant in the API function (SOFTLAND_TENANT_RATE_LIMIT)', () => {
      const { template, stack } = get();
      const fn = template.toJSON()['Resources'][logicalId(stack, stack.functions.api.fn)].Properties;
      expect(Number(fn.Environment.Variables.SOFTLAND_TENANT_RATE_LIMIT)).toBeGreaterThan(0);
    });

    it('gives the dispatcher a 60–90 s timeout and a small reserved concurrency', () => {
      const { template, stack } = get();
      const fn = template.toJSON()['Resources'][logicalId(stack, stack.functions.dispatcher.fn)].Properties;
      expect(fn.Timeout).toBeGreaterThanOrEqual(60);
      expect(fn.Timeout).toBeLessThanOrEqual(90);
      expect(fn.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(1);
      expect(fn.ReservedConcurrentExecutions).toBeLessThanOrEqual(3);
    });

    it('retries a failed worker invocation twice, then sends it to the failure queue', () => {
      const { template, stack } = get();
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(stack, stack.functions.worker.fn) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack, stack.asyncFailures), 'Arn'] } } },
      });
    });
  });

  describe('schedules (EventBridge Scheduler)', () => {
    it.each(['coordinator', 'dispatcher'] as const)('runs the %s every minute, with retries, a maximum event age and the dead-letter queue', (id) => {
      const { template, stack } = get();
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.functions[id].fn), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.scheduleDeadLetters), 'Arn'] } },
        },
      });
    });

    it('encrypts the dead-letter queues and refuses plain HTTP to them', () => {
      const { template, stack } = get();
      for (const q of [stack.scheduleDeadLetters, stack.asyncFailures]) {
        const props = template.toJSON()['Resources'][logicalId(stack, q)].Properties;
        expect(props.SqsManagedSseEnabled).toBe(true);
      }
      template.resourcePropertiesCountIs(
        'AWS::SQS::QueuePolicy',
        { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } },
        2,
      );
    });

    it('lets the scheduler invoke only its own target function', () => {
      const { template } = get();
      const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'));
      for (const schedule of schedules) {
        const role = (schedule.Properties['Target'].RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const invoke = statementsOf(template, role).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
        expect(invoke.flatMap(resourcesOfStatement)).toEqual([schedule.Properties['Target'].Arn]);
      }
      expect(schedules).toHaveLength(2);
    });
  });

  describe('least privilege', () => {
    it('grants each function exactly the tables TABLE_ACCESS lists', () => {
      const { template, stack } = get();
      for (const fn of Object.keys(ENTRIES) as FunctionId[]) {
        for (const table of Object.keys(TABLES) as TableId[]) {
          const actions = actionsOnTable(template, stack, fn, table);
          const access = TABLE_ACCESS[fn][table];
          expect(actions.size > 0, `${fn} on ${table}`).toBe(access !== undefined);
          expect(actions.has('dynamodb:PutItem'), `${fn} writes ${table}`).toBe(access === 'write' || access === 'readWrite');
          expect(actions.has('dynamodb:Query'), `${fn} reads ${table}`).toBe(access === 'read' || access === 'readWrite');
        }
      }
    });

    it('grants Scan and Batch* only where BULK_ACCESS lists them (the calls the code makes), on the table itself', () => {
      const { template, stack } = get();
      for (const fn of Object.keys(ENTRIES) as FunctionId[]) {
        for (const table of Object.keys(TABLES) as TableId[]) {
          const actions = actionsOnTable(template, stack, fn, table);
          const listed = BULK_ACCESS[fn][table] ?? [];
          for (const bulk of BULK_ACTIONS) expect(actions.has(bulk), `${fn}: ${bulk} on ${table}`).toBe(listed.includes(bulk));
        }
      }
      expect(BULK_ACCESS).toEqual({
        api: { marketHistory: ['dynamodb:BatchWriteItem'] },
        coordinator: { tenants: ['dynamodb:Scan'] },
        worker: { accounts: ['dynamodb:BatchGetItem'] },
        dispatcher: {},
        admin: {},
      });
      // Never on an index.
      const all = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => p.Properties['PolicyDocument'].Statement as Statement[]);
      for (const st of all.filter((st) => actionsOf(st).some((a) => (BULK_ACTIONS as readonly string[]).includes(a)))) {
        expect(JSON.stringify(st.Resource), JSON.stringify(st)).not.toContain('/index/');
      }
    });

    it('scans the tenants table only: no Scan on assessments (or any other table) for the API or anyone', () => {
      const { template, stack } = get();
      expect(actionsOnTable(template, stack, 'api', 'assessments')).not.toContain('dynamodb:Scan');
      const all = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => p.Properties['PolicyDocument'].Statement as Statement[]);
      const scanned = all.filter((st) => actionsOf(st).includes('dynamodb:Scan')).flatMap(resourcesOfStatement);
      expect(scanned).toEqual([tableArn(stack, 'tenants')]);
    });

    it('keeps the dispatcher off the accounts table and out of the worker', () => {
      const { template, stack } = get();
      expect(actionsOnTable(template, stack, 'dispatcher', 'accounts').size).toBe(0);
      const statements = statementsOf(template, roleOf(stack, 'dispatcher'));
      expect(JSON.stringify(statements)).not.toContain(logicalId(stack, stack.tables.accounts));
      expect(statements.flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
    });

    it('lets the API read API keys but never write them, and never touch tenants', () => {
      const { template, stack } = get();
      const onKeys = actionsOnTable(template, stack, 'api', 'apiKeys');
      expect(onKeys).toContain('dynamodb:GetItem');
      for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect(onKeys).not.toContain(write);
      expect(actionsOnTable(template, stack, 'api', 'tenants').size).toBe(0);
    });

    it.each(['api', 'coordinator'] as const)('lets the %s invoke the worker (the function itself, no versions or aliases)', (fn) => {
      const { template, stack } = get();
      const invoke = statementsOf(template, roleOf(stack, fn)).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      expect(invoke.flatMap(resourcesOfStatement)).toEqual([{ 'Fn::GetAtt': [logicalId(stack, stack.functions.worker.fn), 'Arn'] }]);
    });

    it('lets the admin function only administer tenants and keys, and move accounts: no other table, no invoke, no API Gateway route', () => {
      const { template, stack } = get();
      for (const table of Object.keys(TABLES) as TableId[]) {
        const actions = actionsOnTable(template, stack, 'admin', table);
        expect(actions.size > 0, table).toBe(table === 'tenants' || table === 'apiKeys' || table === 'accounts');
      }
      expect([...actionsOnTable(template, stack, 'admin', 'accounts')].filter((a) => /Scan|Batch/.test(a))).toEqual([]);
      expect(statementsOf(template, roleOf(stack, 'admin')).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
      expect(JSON.stringify(template.findResources('AWS::Lambda::Permission'))).not.toContain(logicalId(stack, stack.functions.admin.fn));
    });

    it('does not let the worker invoke functions, nor the coordinator write accounts', () => {
      const { template, stack } = get();
      expect(statementsOf(template, roleOf(stack, 'worker')).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
      expect(actionsOnTable(template, stack, 'coordinator', 'accounts').size).toBe(0);
    });

    it('names index ARNs one by one, and uses * only for X-Ray', () => {
      const { template, stack } = get();
      const all = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => p.Properties['PolicyDocument'].Statement as Statement[]);
      for (const s of all) {
        expect(actionsOf(s).filter((a) => a.includes('*')), JSON.stringify(s)).toEqual([]);
        if (resourcesOfStatement(s).includes('*')) expect(actionsOf(s).every((a) => a.startsWith('xray:')), JSON.stringify(s)).toBe(true);
        expect(JSON.stringify(s.Resource)).not.toMatch(/\/index\/\*|:\*"/);
      }
      // The byTenant index is granted by name.
      const apiKeys = statementsOf(template, roleOf(stack, 'api')).flatMap(resourcesOfStatement);
      expect(apiKeys).toContainEqual({ 'Fn::Join': ['', [tableArn(stack, 'apiKeys'), '/index/byTenant']] });
    });

    it('uses no managed policies but the ones API Gateway and CodeDeploy document for their roles', () => {
      const roles = Object.values(resourcesOf(get().template, 'AWS::IAM::Role'));
      const managed = roles.flatMap((r) => (r.Properties['ManagedPolicyArns'] ?? []) as unknown[]);
      const arn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/service-role/${name}`]] });
      expect(managed.map((m) => JSON.stringify(m)).sort()).toEqual(
        [arn('AmazonAPIGatewayPushToCloudWatchLogs'), arn('AWSCodeDeployRoleForLambdaLimited')].map((m) => JSON.stringify(m)).sort(),
      );
    });
  });

  describe('API Gateway', () => {
    it('proxies every path to the API function alias live, with a stage throttle', () => {
      const { template, stack } = get();
      template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'ANY',
        Integration: { Type: 'AWS_PROXY', Uri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: logicalId(stack, stack.apiAlias) }])]) }) },
      });
      const { config } = stack;
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: stage,
        TracingEnabled: true,
        AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
        MethodSettings: Match.arrayWith([
          Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: config.throttleRatePerSecond, ThrottlingBurstLimit: config.throttleBurst, LoggingLevel: 'ERROR', DataTraceEnabled: false }),
        ]),
      });
    });

    it.each(['THROTTLED', 'QUOTA_EXCEEDED'])('answers %s with a 429 problem and Retry-After', (type) => {
      get().template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '429',
        ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'", 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        ResponseTemplates: { 'application/json': RATE_LIMITED_BODY },
      });
    });

    it('keeps every gateway error in the problem format', () => {
      const responses = Object.values(resourcesOf(get().template, 'AWS::ApiGateway::GatewayResponse'));
      expect(responses.map((r) => r.Properties['ResponseType']).sort()).toEqual(['DEFAULT_4XX', 'DEFAULT_5XX', 'QUOTA_EXCEEDED', 'THROTTLED']);
      for (const r of responses) {
        expect(r.Properties['ResponseParameters']['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
        // What API Gateway sends once it has substituted its variables is JSON.
        const body = (r.Properties['ResponseTemplates']['application/json'] as string)
          .replaceAll('$context.error.messageString', '"Forbidden"')
          .replaceAll(/\$context\.\w+/g, 'x');
        const problem = JSON.parse(body);
        expect(problem).toMatchObject({ type: expect.stringMatching(/^https:\/\/softland\.dev\/problems\//), code: expect.any(String), requestId: 'x' });
      }
      expect(JSON.parse(RATE_LIMITED_BODY.replaceAll(/\$context\.\w+/g, 'x'))).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too many requests' });
    });
  });

  describe('alarms', () => {
    it('alarms on errors and throttles of every function', () => {
      const { template, stack } = get();
      for (const id of Object.keys(ENTRIES) as FunctionId[]) {
        for (const metric of ['Errors', 'Throttles']) {
          template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.functions[id].fn) } }],
            Threshold: 1,
            AlarmActions: [{ Ref: logicalId(stack, stack.monitoring.topic) }],
          });
        }
      }
    });

    it('alarms on a new message in either dead-letter queue, on one waiting a day, and on API 5xx', () => {
      const { template, stack } = get();
      for (const q of [stack.scheduleDeadLetters, stack.asyncFailures]) {
        const queue = [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, q), 'QueueName'] } }];
        template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent', Dimensions: queue, Statistic: 'Sum', Threshold: 1 });
        template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: queue, Threshold: DEAD_LETTER_MAX_AGE_SECONDS });
      }
      // "Messages visible" stays red for the queue's 14 days and hides the next failure: not used.
      expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).not.toContain('ApproximateNumberOfMessagesVisible');
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5XXError' });
    });

    it('alarms on the share of requests answered 429, counted from the access log', () => {
      const { template, stack } = get();
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logicalId(stack, stack.httpApi.accessLogs) },
        FilterPattern: '{ $.status = "429" }',
        MetricTransformations: [Match.objectLike({ MetricNamespace: 'Softland', MetricName: API_429_METRIC, MetricValue: '1', DefaultValue: 0 })],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 0.05,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(requests >= 100, limited / requests, 0)' })]),
      });
    });

    it('alarms on throttled reads and writes of every table, and on sweeps falling behind', () => {
      const { template, stack } = get();
      const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
      for (const id of Object.keys(TABLES) as TableId[]) {
        expect(alarms).toContain(`"TableName","Value":{"Ref":"${logicalId(stack, stack.tables[id])}"}`);
      }
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Softland',
        MetricName: SWEEP_SKIPPED_METRIC,
        Dimensions: [{ Name: 'service', Value: { Ref: logicalId(stack, stack.functions.coordinator.fn) } }],
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
      });
    });

    it('has as many alarm metrics as the cost model prices (`softland cost`)', () => {
      const alarms = Object.values(resourcesOf(get().template, 'AWS::CloudWatch::Alarm'));
      // CloudWatch bills a metric-math alarm per metric it reads.
      const metrics = alarms.reduce((n, a) => n + ((a.Properties['Metrics'] as { MetricStat?: unknown }[] | undefined)?.filter((m) => m.MetricStat).length ?? 1), 0);
      expect(metrics).toBe(DEPLOYMENT.alarms);
    });

    it('alarms on failed and retried webhook deliveries, from the metrics the dispatcher publishes (its name as their service)', () => {
      const { template, stack } = get();
      for (const [metric, threshold] of [
        [WEBHOOK_METRICS.failed, 1],
        [WEBHOOK_METRICS.retried, 20],
      ] as const) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'Softland',
          MetricName: metric,
          Dimensions: [{ Name: 'service', Value: { Ref: logicalId(stack, stack.functions.dispatcher.fn) } }],
          Statistic: 'Sum',
          Period: 900,
          Threshold: threshold,
        });
      }
    });

    it('sends every alarm, and its recovery, to the encrypted alarm topic', () => {
      const { template, stack } = get();
      const topic = { Ref: logicalId(stack, stack.monitoring.topic) };
      const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
      expect(alarms.length).toBe(stack.monitoring.alarms.length);
      for (const a of alarms) {
        expect(a.Properties['AlarmActions']).toEqual([topic]);
        expect(a.Properties['OKActions']).toEqual([topic]);
      }
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });
  });

  describe('production guards (issue 20)', () => {
    it('expires recorded assessments (TTL on expiresAt) and tells the recording functions the retention', () => {
      const { template, stack } = get();
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: tableNames(`softland-${stage}-`).assessments,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
      expect(stack.config.assessmentRetentionDays).toBe(ASSESSMENT_RETENTION_DAYS);
      for (const id of ['api', 'worker'] as const) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: `softland-${stage}-${id}`,
          Environment: { Variables: Match.objectLike({ [ASSESSMENT_RETENTION_ENV]: String(ASSESSMENT_RETENTION_DAYS) }) },
        });
      }
    });

    it(`encrypts the tables that hold webhook secrets with ${isProd ? 'a customer-managed, rotated KMS key' : "DynamoDB's AWS-owned key"} (tableKey)`, () => {
      const { template, stack } = get();
      expect(SECRET_TABLES).toEqual(['webhookEndpoints']);
      const tables = resourcesOf(template, 'AWS::DynamoDB::Table');
      const keys = resourcesOf(template, 'AWS::KMS::Key');
      const sse = (id: TableId) => tables[logicalId(stack, stack.tables[id])]!.Properties['SSESpecification'];
      if (!isProd) {
        expect(stack.secretsKey).toBeUndefined();
        for (const id of Object.keys(TABLES) as TableId[]) expect(sse(id), id).toBeUndefined();
        // Only the alarm topic's key.
        expect(Object.values(keys).map((k) => k.Properties['Description'])).toEqual([`Encrypts the softland-${stage} alarm topic`]);
        const kms = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => (p.Properties['PolicyDocument'].Statement as Statement[]).flatMap(actionsOf));
        expect(kms.filter((a) => a.startsWith('kms:'))).toEqual([]);
        return;
      }
      const keyId = logicalId(stack, stack.secretsKey!);
      expect(keys[keyId]!.Properties['EnableKeyRotation']).toBe(true);
      expect(keys[keyId]!.DeletionPolicy).toBe('Retain');
      expect(sse('webhookEndpoints')).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      for (const id of (Object.keys(TABLES) as TableId[]).filter((t) => !SECRET_TABLES.includes(t))) expect(sse(id), id).toBeUndefined();
      // Who reads or writes the table may use the key, through DynamoDB only; no one else.
      for (const fn of Object.keys(ENTRIES) as FunctionId[]) {
        const onKey = statementsOf(template, roleOf(stack, fn)).filter((st) => JSON.stringify(st.Resource).includes(`"${keyId}"`));
        if (!TABLE_ACCESS[fn].webhookEndpoints) {
          expect(onKey, fn).toEqual([]);
          continue;
        }
        expect(onKey, fn).toHaveLength(1);
        expect([...actionsOf(onKey[0]!)].sort(), fn).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
        expect(JSON.stringify((onKey[0] as Statement & { Condition?: unknown }).Condition), fn).toContain('kms:ViaService');
      }
    });

    it(`reserves ${isProd ? 32 : 8} concurrent executions for the sweep worker`, () => {
      get().template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: `softland-${stage}-worker`, ReservedConcurrentExecutions: isProd ? 32 : 8 });
    });

    it(`${isProd ? 'puts a' : 'puts no'} WAF web ACL in front of the API stage`, () => {
      const { template, stack } = get();
      if (!isProd) {
        template.resourceCountIs('AWS::WAFv2::WebACL', 0);
        template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
        return;
      }
      const acls = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACL'));
      expect(acls).toHaveLength(1);
      const acl = acls[0]!.Properties;
      expect(acl['Scope']).toBe('REGIONAL');
      expect(acl['DefaultAction']).toEqual({ Allow: {} });
      const rules = acl['Rules'] as Array<Record<string, any>>;
      expect(rules.map((r) => r['Name'])).toEqual(['RatePerSourceIp', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']);
      // Per source IP, the tenant rate over 5 minutes (100/s → 30,000), blocked with a 429 problem.
      expect(stack.config.wafRateLimit).toBe(stack.config.tenantRatePerSecond * WAF_RATE_WINDOW_SECONDS);
      expect(rules[0]!['Statement']).toEqual({ RateBasedStatement: { Limit: 30_000, AggregateKeyType: 'IP', EvaluationWindowSec: WAF_RATE_WINDOW_SECONDS } });
      expect(rules[0]!['Action']).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rateLimited' } } });
      expect(JSON.parse(acl['CustomResponseBodies']['rateLimited']['Content'])).toMatchObject({ status: 429, code: 'rate_limited' });
      // The managed groups block (their own actions), except the body-size rule: our bodies go up to 4 MiB.
      for (const rule of rules.slice(1)) {
        expect(rule['OverrideAction']).toEqual({ None: {} });
        expect(rule['Statement']['ManagedRuleGroupStatement']).toMatchObject({ VendorName: 'AWS', Name: rule['Name'] });
      }
      const overrides = rules[1]!['Statement']['ManagedRuleGroupStatement']['RuleActionOverrides'] as Array<{ Name: string; ActionToUse: unknown }>;
      expect(overrides).toContainEqual({ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } });
      expect(overrides.every((o) => JSON.stringify(o.ActionToUse) === '{"Count":{}}')).toBe(true);
      expect(rules[2]!['Statement']['ManagedRuleGroupStatement']['RuleActionOverrides']).toBeUndefined();
      // Associated with this API's stage.
      const stageId = logicalId(stack, stack.httpApi.api.deploymentStage);
      const [association] = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACLAssociation'));
      expect(association!.Properties['WebACLArn']).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(stack.httpApi.webAcl!.acl), 'Arn'] });
      const arn = JSON.stringify(association!.Properties['ResourceArn']);
      expect(arn).toContain(`{"Ref":"${logicalId(stack, stack.httpApi.api)}"}`);
      expect(arn).toContain(`"/stages/",{"Ref":"${stageId}"}`);
    });

    it(`deploys the API through its alias live, ${isProd ? 'canary 10 % for 5 minutes' : 'all at once'}, rolled back on the API alarms`, () => {
      const { template, stack } = get();
      const aliasId = logicalId(stack, stack.apiAlias);
      const alias = resourcesOf(template, 'AWS::Lambda::Alias')[aliasId] as Resource & { UpdatePolicy?: Record<string, any> };
      expect(alias.Properties['Name']).toBe('live');
      expect(alias.Properties['FunctionName']).toEqual({ Ref: logicalId(stack, stack.functions.api.fn) });
      expect(JSON.stringify(alias.Properties['FunctionVersion'])).toMatch(/ApiFunctionCurrentVersion/);
      template.resourceCountIs('AWS::Lambda::Version', 1);
      // API Gateway may invoke the alias, and only the alias.
      const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).filter((p) => p.Properties['Principal'] === 'apigateway.amazonaws.com');
      expect(permissions.length).toBeGreaterThan(0);
      for (const p of permissions) expect(p.Properties['FunctionName']).toEqual({ Ref: aliasId });
      // CodeDeploy moves it.
      const groupId = logicalId(stack, stack.apiDeployment);
      expect(alias.UpdatePolicy?.['CodeDeployLambdaAliasUpdate']).toMatchObject({ DeploymentGroupName: { Ref: groupId } });
      const group = resourcesOf(template, 'AWS::CodeDeploy::DeploymentGroup')[groupId]!.Properties;
      expect(group['DeploymentConfigName']).toBe(isProd ? 'CodeDeployDefault.LambdaCanary10Percent5Minutes' : 'CodeDeployDefault.LambdaAllAtOnce');
      const alarmRefs = ['Api5xx', 'ApiErrors', 'ApiLatencyP99'].map((id) => ({ Name: { Ref: logicalId(stack, stack.monitoring.alarmById(id)) } }));
      expect(group['AlarmConfiguration']).toEqual({ Enabled: true, Alarms: alarmRefs });
      expect(group['AutoRollbackConfiguration']).toEqual({ Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) });
    });

    it('alarms on the p99 latency of the API (2 of 3 minutes over the threshold)', () => {
      const { template, stack } = get();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `softland-${stage}-ApiLatencyP99`,
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Period: 60,
        Threshold: stack.config.apiLatencyP99Ms,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        AlarmActions: [{ Ref: logicalId(stack, stack.monitoring.topic) }],
      });
    });

    it('draws a dashboard of requests, p99, 4xx/429/5xx, assessments by tier, sweeps, deliveries, Lambda concurrency and throttles, DynamoDB throttles and DLQ age', () => {
      const { template, stack } = get();
      const dashboards = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
      expect(dashboards).toHaveLength(1);
      expect(dashboards[0]!.Properties['DashboardName']).toBe(`softland-${stage}-overview`);
      const body = JSON.stringify(dashboards[0]!.Properties['DashboardBody']);
      for (const title of DASHBOARD_WIDGETS) expect(body).toContain(JSON.stringify(title).slice(1, -1));
      for (const metric of [
        '"Count', '"Latency', '"IntegrationLatency', '"4XXError', '"5XXError', '"ConcurrentExecutions', '"Throttles', '"ReadThrottleEvents', '"WriteThrottleEvents', '"ApproximateAgeOfOldestMessage',
        '"ApiRateLimited', '"Assessments', '"SweepAccountsAssessed', '"SweepTierChanges', '"SweepsSkipped', '"WebhookDeliveriesDelivered', '"WebhookDeliveriesFailed',
      ]) {
        expect(body).toContain(metric.replace('"', '\\"'));
      }
      expect(body).toContain('p99');
      for (const id of Object.keys(ENTRIES) as FunctionId[]) expect(body).toContain(`"Ref":"${logicalId(stack, stack.functions[id].fn)}"`);
      for (const id of Object.keys(TABLES) as TableId[]) expect(body).toContain(`"Ref":"${logicalId(stack, stack.tables[id])}"`);
      for (const q of [stack.scheduleDeadLetters, stack.asyncFailures]) expect(body).toContain(`"Fn::GetAtt":["${logicalId(stack, q)}","QueueName"]`);
    });
  });

  it('outputs the API URL, the table prefix and the function names', () => {
    const outputs = get().template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      ['AdminFunctionName', 'AlarmTopicArn', 'ApiAliasArn', 'ApiFunctionName', 'ApiUrl', 'CoordinatorFunctionName', 'DispatcherFunctionName', 'Stage', 'TablePrefix', 'WorkerFunctionName'].sort(),
    );
    expect(outputs['TablePrefix']!.Value).toBe(`softland-${stage}-`);
    expect(JSON.stringify(outputs['ApiUrl']!.Value)).toContain('.execute-api.');
  });

  it(`${isProd ? 'protects' : 'does not protect'} the stack from deletion and ${isProd ? 'retains' : 'deletes'} logs and queues with it`, () => {
    const { template, stack } = get();
    expect(stack.terminationProtection).toBe(isProd);
    for (const type of ['AWS::Logs::LogGroup', 'AWS::SQS::Queue', 'AWS::KMS::Key']) {
      for (const r of Object.values(resourcesOf(template, type))) expect(r.DeletionPolicy, type).toBe(isProd ? 'Retain' : 'Delete');
    }
  });

  it('is environment-agnostic: no account, region or lookups needed to synthesize', () => {
    const { stack } = get();
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(get().app.node.tryGetContext('stage')).toBe(stage);
  });
});

describe('stage settings of issue 20 (context)', () => {
  const config = (context: Record<string, unknown>) => stageConfig(new App({ context }).node);

  it('defaults: retention 400 days; worker 8 dev / 32 prod; WAF (per-IP rate = tenant rate × 5 min) and canary in prod only', () => {
    expect(config({ stage: 'dev' })).toMatchObject({ assessmentRetentionDays: 400, accountPartitions: 'write', workerConcurrency: 8, waf: false, wafRateLimit: 6_000, apiDeployment: 'allAtOnce' });
    expect(config({ stage: 'prod' })).toMatchObject({ assessmentRetentionDays: 400, workerConcurrency: 32, waf: true, wafRateLimit: 30_000, apiDeployment: 'canary' });
    expect(config({ stage: 'prod', tenantRate: '10' }).wafRateLimit).toBe(3_000);
  });

  it('takes each from context (as cdk -c passes strings) and refuses nonsense', () => {
    expect(
      config({ stage: 'prod', assessmentRetentionDays: '90', workerConcurrency: '64', waf: 'false', wafRateLimit: '500', apiDeployment: 'allAtOnce', apiLatencyP99Ms: '1500' }),
    ).toMatchObject({ assessmentRetentionDays: 90, workerConcurrency: 64, waf: false, wafRateLimit: 500, apiDeployment: 'allAtOnce', apiLatencyP99Ms: 1500 });
    expect(config({ stage: 'dev', waf: true, apiDeployment: 'canary' })).toMatchObject({ waf: true, apiDeployment: 'canary' });
    expect(() => config({ stage: 'dev', assessmentRetentionDays: '0' })).toThrow(/assessmentRetentionDays/);
    expect(() => config({ stage: 'dev', workerConcurrency: '0' })).toThrow(/workerConcurrency/);
    expect(() => config({ stage: 'dev', waf: 'yes' })).toThrow(/waf/);
    expect(() => config({ stage: 'dev', wafRateLimit: '5' })).toThrow(/wafRateLimit/);
    expect(() => config({ stage: 'dev', apiDeployment: 'linear' })).toThrow(/apiDeployment/);
    expect(config({ stage: 'prod', accountPartitions: 'read' }).accountPartitions).toBe('read');
    expect(() => config({ stage: 'dev', accountPartitions: 'both' })).toThrow(/accountPartitions/);
  });

  it('tableKey: customer in prod, aws elsewhere; either on request; nothing else', () => {
    expect(config({ stage: 'prod' }).tableKey).toBe('customer');
    expect(config({ stage: 'dev' }).tableKey).toBe('aws');
    expect(config({ stage: 'prod', tableKey: 'aws' }).tableKey).toBe('aws');
    expect(config({ stage: 'dev', tableKey: 'customer' }).tableKey).toBe('customer');
    expect(() => config({ stage: 'dev', tableKey: 'kms' })).toThrow(/tableKey/);
  });

  it('domainName and certificateArn: both or neither, checked', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    expect(config({ stage: 'prod' }).domain).toBeUndefined();
    expect(config({ stage: 'prod', domainName: 'risk.exchange.example', certificateArn }).domain).toEqual({ name: 'risk.exchange.example', certificateArn });
    expect(() => config({ stage: 'prod', domainName: 'risk.exchange.example' })).toThrow(/both, or neither/);
    expect(() => config({ stage: 'prod', certificateArn })).toThrow(/both, or neither/);
    expect(() => config({ stage: 'prod', domainName: 'Not A Domain', certificateArn })).toThrow(/domainName/);
    expect(() => config({ stage: 'prod', domainName: 'risk.exchange.example', certificateArn: 'arn:aws:iam::123456789012:role/x' })).toThrow(/certificateArn/);
  });

  it('-c domainName=… -c certificateArn=… maps the stage to the API\'s own domain (regional, TLS 1.2) and outputs where DNS should point', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const dev = synthStage('dev', { extra: { domainName: 'risk.exchange.example', certificateArn } });
    try {
      dev.template.hasResourceProperties('AWS::ApiGateway::DomainName', {
        DomainName: 'risk.exchange.example',
        RegionalCertificateArn: certificateArn,
        EndpointConfiguration: { Types: ['REGIONAL'] },
        SecurityPolicy: 'TLS_1_2',
      });
      dev.template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
      expect(Object.keys(dev.template.findOutputs('*'))).toEqual(expect.arrayContaining(['ApiDomainUrl', 'ApiDomainTarget']));
      expect(stages.dev.template.findResources('AWS::ApiGateway::DomainName')).toEqual({});
    } finally {
      rmSync(dev.outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it('-c tableKey=customer gives dev the key too (DESTROY with the stage), and -c tableKey=aws takes it from prod', () => {
    const dev = synthStage('dev', { extra: { tableKey: 'customer' } });
    const prod = synthStage('prod', { extra: { tableKey: 'aws' } });
    try {
      const keyId = logicalId(dev.stack, dev.stack.secretsKey!);
      dev.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ EnableKeyRotation: true }) });
      dev.template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: tableNames('softland-dev-').webhookEndpoints,
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      });
      expect(prod.stack.secretsKey).toBeUndefined();
      prod.template.resourceCountIs('AWS::KMS::Key', 1);
      prod.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: tableNames('softland-prod-').webhookEndpoints, SSESpecification: Match.absent() });
    } finally {
      for (const { outdir } of [dev, prod]) rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
