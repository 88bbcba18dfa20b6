/**
 * `-c webhookEgress=fixed`: the dispatcher alone in a VPC whose NAT gateways send webhooks
 * from two Elastic IPs, output by the stack; DynamoDB through a gateway endpoint; cdk-nag
 * clean. The default (`direct`) stack has no VPC at all, and `fixed` changes nothing of it
 * but the dispatcher's network.
 */
import { rmSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSoftlandApp } from './app.ts';
import { ENTRIES, type FunctionId } from './bundling.ts';
import { stageConfig } from './config.ts';
import { VPC_ACCESS_ACTIONS } from './constructs/lambda-function.ts';
import { cdkJsonContext, logicalId, readReport, synthStage, tempOutdir, type SynthesizedStage } from './testing.ts';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let direct: SynthesizedStage;
let fixed: SynthesizedStage;
let fixedProd: SynthesizedStage;
const scratch: string[] = [];
beforeAll(() => {
  direct = synthStage('dev');
  fixed = synthStage('dev', { extra: { webhookEgress: 'fixed' } });
  fixedProd = synthStage('prod', { extra: { webhookEgress: 'fixed' } });
}, 180_000);
afterAll(() => {
  for (const dir of [direct, fixed, fixedProd].filter(Boolean).map((s) => s.outdir).concat(scratch)) rmSync(dir, { recursive: true, force: true });
});

const resourcesOf = (t: Template, type: string) => t.findResources(type) as Record<string, Resource>;
const allResources = (t: Template) => t.toJSON()['Resources'] as Record<string, Resource>;
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const ref = (id: string) => ({ Ref: id });
const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });

function statementsOf(t: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties['Roles'] as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(ref(roleLogicalId))))
    .flatMap((p) => p.Properties['PolicyDocument'].Statement as Statement[]);
}

const fnOf = (s: SynthesizedStage, id: FunctionId) => allResources(s.template)[logicalId(s.stack, s.stack.functions[id].fn)]!;

describe('the webhookEgress setting', () => {
  const configOf = (context: Record<string, unknown>) => stageConfig(new App({ context }).node);

  it('is direct by default, fixed on -c webhookEgress=fixed, and refuses anything else', () => {
    expect(configOf({}).webhookEgress).toBe('direct');
    expect(configOf({ webhookEgress: '' }).webhookEgress).toBe('direct');
    expect(configOf({ webhookEgress: 'direct' }).webhookEgress).toBe('direct');
    expect(configOf({ webhookEgress: 'fixed' }).webhookEgress).toBe('fixed');
    expect(() => configOf({ webhookEgress: 'nat' })).toThrow(/webhookEgress must be one of direct, fixed/);
  });
});

describe('webhookEgress=direct (the default)', () => {
  it('has no VPC, no EC2 resource at all, and no function in a VPC', () => {
    const types = Object.values(allResources(direct.template)).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::EC2::'))).toEqual([]);
    for (const id of Object.keys(ENTRIES) as FunctionId[]) expect(fnOf(direct, id).Properties['VpcConfig'], id).toBeUndefined();
    expect(direct.stack.webhookEgress).toBeUndefined();
    expect(Object.keys(direct.template.toJSON()['Outputs'])).not.toContain('WebhookEgressIps');
  });
});

describe('webhookEgress=fixed', () => {
  const t = () => fixed.template;
  const egress = () => fixed.stack.webhookEgress!;
  const eipIds = () => egress().eips.map((eip) => fixed.stack.getLogicalId(eip));
  const privateSubnetIds = () => egress().vpc.privateSubnets.map((s) => logicalId(fixed.stack, s));

  it('builds one VPC over two AZs: two public subnets with a NAT gateway each, two private subnets', () => {
    t().resourceCountIs('AWS::EC2::VPC', 1);
    t().resourceCountIs('AWS::EC2::InternetGateway', 1);
    t().resourceCountIs('AWS::EC2::NatGateway', 2);
    t().resourceCountIs('AWS::EC2::Subnet', 4);
    expect(egress().vpc.publicSubnets).toHaveLength(2);
    expect(egress().vpc.privateSubnets).toHaveLength(2);
    expect(egress().vpc.isolatedSubnets).toHaveLength(0);
    // Two distinct AZs (env-agnostic: the first two of the region's).
    const azs = egress().vpc.privateSubnets.map((s) => JSON.stringify(fixed.stack.resolve(s.availabilityZone)));
    expect(new Set(azs).size).toBe(2);
  });

  it('gives each NAT gateway an Elastic IP of the stack, and routes each private subnet through the NAT gateway of its AZ', () => {
    const eips = resourcesOf(t(), 'AWS::EC2::EIP');
    expect(Object.keys(eips).sort()).toEqual([...eipIds()].sort());
    for (const eip of Object.values(eips)) expect(eip.Properties['Domain']).toBe('vpc');
    const nats = resourcesOf(t(), 'AWS::EC2::NatGateway');
    expect(Object.values(nats).map((n) => n.Properties['AllocationId']).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      eipIds().map((id) => getAtt(id, 'AllocationId')),
    );
    const publicSubnets = egress().vpc.publicSubnets.map((s) => ref(logicalId(fixed.stack, s)));
    for (const nat of Object.values(nats)) expect(publicSubnets).toContainEqual(nat.Properties['SubnetId']);

    const defaultRoutes = Object.values(resourcesOf(t(), 'AWS::EC2::Route')).filter((r) => r.Properties['DestinationCidrBlock'] === '0.0.0.0/0');
    for (const subnet of egress().vpc.privateSubnets) {
      const routeTable = ref(fixed.stack.getLogicalId(subnet.node.findChild('RouteTable') as never));
      const routes = defaultRoutes.filter((r) => JSON.stringify(r.Properties['RouteTableId']) === JSON.stringify(routeTable));
      expect(routes).toHaveLength(1);
      expect(Object.keys(nats).map(ref)).toContainEqual(routes[0]!.Properties['NatGatewayId']);
    }
  });

  it('outputs both Elastic IPs, one by one and as a comma-separated list', () => {
    const outputs = t().toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    const [first, second] = eipIds();
    expect(outputs['WebhookEgressIp1']!.Value).toEqual(getAtt(first!, 'PublicIp'));
    expect(outputs['WebhookEgressIp2']!.Value).toEqual(getAtt(second!, 'PublicIp'));
    expect(outputs['WebhookEgressIps']!.Value).toEqual({ 'Fn::Join': [',', [getAtt(first!, 'PublicIp'), getAtt(second!, 'PublicIp')]] });
  });

  it('puts the dispatcher, and only the dispatcher, in the private subnets', () => {
    const vpcConfig = fnOf(fixed, 'dispatcher').Properties['VpcConfig'];
    expect(vpcConfig.SubnetIds).toEqual(privateSubnetIds().map(ref));
    expect(vpcConfig.SecurityGroupIds).toEqual([getAtt(logicalId(fixed.stack, egress().securityGroup), 'GroupId')]);
    for (const id of ['api', 'coordinator', 'worker'] as const) expect(fnOf(fixed, id).Properties['VpcConfig'], id).toBeUndefined();
    // Created once its subnets can reach the internet (their default routes exist).
    expect(fnOf(fixed, 'dispatcher').DependsOn).toEqual(expect.arrayContaining(egress().vpc.privateSubnets.map((s) => fixed.stack.getLogicalId(s.node.findChild('DefaultRoute') as never))));
  });

  it("lets the dispatcher's security group accept nothing and send anywhere", () => {
    const sg = allResources(t())[logicalId(fixed.stack, egress().securityGroup)]!.Properties;
    expect(sg['SecurityGroupIngress']).toBeUndefined();
    expect(sg['SecurityGroupEgress']).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
  });

  it('reaches DynamoDB through a gateway endpoint on the route tables of the private subnets', () => {
    const endpoints = Object.values(resourcesOf(t(), 'AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(1);
    const p = endpoints[0]!.Properties;
    expect(p['VpcEndpointType'] ?? 'Gateway').toBe('Gateway');
    expect(p['ServiceName']).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] });
    expect(p['VpcId']).toEqual(ref(logicalId(fixed.stack, egress().vpc)));
    const routeTables = egress().vpc.privateSubnets.map((s) => ref(fixed.stack.getLogicalId(s.node.findChild('RouteTable') as never)));
    expect(p['RouteTableIds']).toEqual(routeTables);
  });

  it('logs all VPC traffic to a log group of its own, kept a month', () => {
    t().hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: ref(logicalId(fixed.stack, egress().vpc)),
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: ref(logicalId(fixed.stack, egress().flowLogs)),
    });
    expect(allResources(t())[logicalId(fixed.stack, egress().flowLogs)]!.Properties['RetentionInDays']).toBe(30);
  });

  it('grants the network-interface actions to the dispatcher role only, inline (no managed policy)', () => {
    const roleOf = (id: FunctionId) => logicalId(fixed.stack, fixed.stack.functions[id].role);
    const ec2Actions = (id: FunctionId) => statementsOf(t(), roleOf(id)).flatMap(actionsOf).filter((a) => a.startsWith('ec2:'));
    expect(ec2Actions('dispatcher').sort()).toEqual([...VPC_ACCESS_ACTIONS].sort());
    for (const id of ['api', 'coordinator', 'worker'] as const) expect(ec2Actions(id), id).toEqual([]);
    const managed = Object.values(resourcesOf(t(), 'AWS::IAM::Role')).flatMap((r) => (r.Properties['ManagedPolicyArns'] ?? []) as unknown[]);
    expect(JSON.stringify(managed)).not.toContain('AWSLambdaVPCAccessExecutionRole');
    // API Gateway's logging role and CodeDeploy's role for the API alias, as in the default stack.
    expect(managed).toHaveLength(2);
  });

  it('changes nothing else of the default stack: the same resources, only the dispatcher and its role policy differ', () => {
    const before = allResources(direct.template);
    const after = allResources(t());
    expect(Object.keys(before).filter((id) => !(id in after))).toEqual([]);
    // Everything added is the WebhookEgress construct's (logical ids follow construct paths).
    const added = new Set(Object.keys(after).filter((id) => !(id in before)));
    expect(added.size).toBeGreaterThan(0);
    for (const id of added) expect(id).toMatch(/^WebhookEgress/);
    // Waiting for the new routes (the dispatcher's asynchronous-invoke settings do) is no
    // change; nor is a function's code asset (the two syntheses bundle the sources apart).
    const comparable = (r: Resource) => {
      const dependsOn = (r.DependsOn ?? []).filter((d) => !added.has(d));
      const { DependsOn: _, Properties, ...rest } = r;
      const { Code: __, ...properties } = Properties ?? {};
      return JSON.stringify({ ...rest, Properties: r.Type === 'AWS::Lambda::Function' ? properties : Properties, ...(dependsOn.length ? { DependsOn: dependsOn } : {}) });
    };
    const changed = Object.keys(before).filter((id) => comparable(before[id]!) !== comparable(after[id]!));
    const dispatcher = fixed.stack.functions.dispatcher;
    expect(changed.sort()).toEqual([logicalId(fixed.stack, dispatcher.fn), fixed.stack.getLogicalId(dispatcher.role.node.findChild('DefaultPolicy').node.defaultChild as never)].sort());
  });

  it('looks nothing up at synthesis, even with a pinned account and region (no credentials needed)', () => {
    const outdir = tempOutdir('pinned-fixed');
    scratch.push(outdir);
    const context = { ...cdkJsonContext(), stage: 'dev', webhookEgress: 'fixed', account: '123456789012', region: 'eu-west-1', 'aws:cdk:bundling-stacks': [] };
    const { app, stack } = buildSoftlandApp({ outdir, envFromContext: true, nag: false, context });
    const assembly = app.synth();
    expect(stack.resolve(stack.region)).toBe('eu-west-1');
    expect(assembly.manifest.missing ?? []).toEqual([]);
    const azs = stack.webhookEgress!.vpc.privateSubnets.map((s) => stack.resolve(s.availabilityZone));
    expect(azs).toEqual([0, 1].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })));
  });

  it('retains the flow logs in prod, like the other log groups', () => {
    const flowLogs = allResources(fixedProd.template)[logicalId(fixedProd.stack, fixedProd.stack.webhookEgress!.flowLogs)]!;
    expect(flowLogs.DeletionPolicy).toBe('Retain');
    fixedProd.template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });
});

/**
 * Every acknowledgment of a cdk-nag rule in the app. (aws-cdk-lib acknowledges rules of its
 * own CloudFormation-Validate checks itself: on the flow log and the stack's AZs.)
 */
function acknowledgments(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason })))
      .filter((a) => a.id.startsWith('AwsSolutions::')),
  );
}

describe('cdk-nag AwsSolutions on webhookEgress=fixed', () => {
  it('reports no unacknowledged error and no warning (flow logs on, no VPC finding acknowledged)', () => {
    for (const s of [fixed, fixedProd]) {
      expect(s.report).toBeDefined();
      const findings = s.report!.pluginReports.flatMap((p) => p.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingConstructs?.map((c) => c.constructPath).join(', ')}`));
      expect(findings).toEqual([]);
    }
  });

  it('acknowledges the same rules as the default stack; the dispatcher role once, for both of its wildcards', () => {
    expect(new Set(acknowledgments(fixed.app).map((a) => a.id))).toEqual(new Set(acknowledgments(direct.app).map((a) => a.id)));
    const onDispatcherRole = acknowledgments(fixed.app).filter((a) => a.path === fixed.stack.functions.dispatcher.role.node.path);
    expect(onDispatcherRole).toHaveLength(1);
    expect(onDispatcherRole[0]!.reason).toMatch(/network interfaces/);
    expect(onDispatcherRole[0]!.reason).toMatch(/X-Ray/);
    for (const a of acknowledgments(fixed.app)) expect(a.path, a.id).not.toContain('WebhookEgress');
  });

  it('needs every acknowledgment: without them, exactly the acknowledged rules fire, on the same constructs', () => {
    const outdir = tempOutdir('noack-fixed');
    scratch.push(outdir);
    const ignore = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
    try {
      const { app } = buildSoftlandApp({ outdir, context: { ...cdkJsonContext(), stage: 'dev', webhookEgress: 'fixed' } });
      expect(() => app.synth()).toThrow(/AwsSolutions/);
    } finally {
      ignore.mockRestore();
    }
    const fired = readReport(outdir)!.pluginReports.flatMap((p) => p.violations.map((v) => `AwsSolutions::${v.ruleName}`));
    expect(new Set(fired)).toEqual(new Set(acknowledgments(fixed.app).map((a) => a.id)));
  });
});
