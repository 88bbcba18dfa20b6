import { readFileSync, rmSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSoftlandApp } from './app.ts';
import { cdkJsonContext, readReport, synthStage, tempOutdir, type SynthesizedStage } from './testing.ts';

// One synthesis per stage, with cdk-nag's AwsSolutions pack registered by buildSoftlandApp (as for `cdk synth`).
const stages: Record<'dev' | 'prod', SynthesizedStage> = {} as never;
/** Assembly directories of the tests' own syntheses. */
const scratch: string[] = [];
beforeAll(() => {
  stages.dev = synthStage('dev');
  stages.prod = synthStage('prod');
}, 120_000);
afterAll(() => {
  for (const dir of [...Object.values(stages).map((s) => s.outdir), ...scratch]) rmSync(dir, { recursive: true, force: true });
});

/** Every acknowledgment in the app: rule id → reasons. */
function acknowledgments(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
  );
}

describe.each(['dev', 'prod'] as const)('cdk-nag AwsSolutions on the %s stack', (stage) => {
  it('reports no unacknowledged error and no warning', () => {
    const { report } = stages[stage];
    // The report exists: the checks ran.
    expect(report).toBeDefined();
    const findings = report!.pluginReports.flatMap((p) => p.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingConstructs?.map((c) => c.constructPath).join(', ')}`));
    expect(findings).toEqual([]);
  });

  it('acknowledges only these rules, each with a written reason', () => {
    const acks = acknowledgments(stages[stage].app);
    expect([...new Set(acks.map((a) => a.id))].sort()).toEqual(
      [
        'AwsSolutions::AwsSolutions-APIG2',
        // No web ACL outside prod (WAF off by default there); prod has one, so nothing to acknowledge.
        ...(stage === 'prod' ? [] : ['AwsSolutions::AwsSolutions-APIG3']),
        'AwsSolutions::AwsSolutions-APIG4',
        'AwsSolutions::AwsSolutions-COG4',
        'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions::AwsSolutions-L1',
        'AwsSolutions::AwsSolutions-SQS3',
      ].sort(),
    );
    for (const a of acks) expect(a.reason.length, `${a.id} on ${a.path}`).toBeGreaterThan(60);
  });

  it('justifies the web ACL and CodeDeploy acknowledgments with sections of docs/deploy.md that exist', () => {
    const deployDoc = readFileSync(new URL('../docs/deploy.md', import.meta.url), 'utf8');
    const cited = acknowledgments(stages[stage].app).filter((a) => a.id.includes('APIG3') || a.id.includes('AWSCodeDeployRoleForLambdaLimited'));
    expect(cited.length).toBe(stage === 'prod' ? 1 : 2);
    for (const a of cited) {
      const section = /docs\/deploy\.md, "([^"]+)"/.exec(a.reason)?.[1];
      expect(section, a.id).toBeDefined();
      expect(deployDoc, a.id).toContain(`### ${section}`);
    }
  });

  it('acknowledges on the resources concerned, never for the whole stack', () => {
    const { app, stack } = stages[stage];
    for (const a of acknowledgments(app)) expect(a.path, a.id).not.toBe(stack.node.path);
  });
});

describe('the nag checks', () => {
  it('need every acknowledgment: without them, exactly the acknowledged rules fire', () => {
    const outdir = tempOutdir('noack');
    scratch.push(outdir);
    const ignore = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
    try {
      const { app } = buildSoftlandApp({ outdir, context: { ...cdkJsonContext(), stage: 'prod' } });
      expect(() => app.synth()).toThrow(/AwsSolutions/);
    } finally {
      ignore.mockRestore();
    }
    const fired = readReport(outdir)!.pluginReports.flatMap((p) => p.violations.map((v) => `AwsSolutions::${v.ruleName}`));
    expect(new Set(fired)).toEqual(new Set(acknowledgments(stages.prod.app).map((a) => a.id)));
  });


  it('fail synthesis on a non-compliant resource (negative control)', () => {
    const outdir = tempOutdir('nag');
    scratch.push(outdir);
    const { app, stack } = buildSoftlandApp({ outdir, context: { ...cdkJsonContext(), stage: 'dev' } });
    new Queue(stack, 'PlainQueue', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
    const findings = readReport(outdir)!.pluginReports.flatMap((p) => p.violations.filter((v) => v.violatingConstructs?.some((c) => c.constructPath.includes('PlainQueue'))).map((v) => v.ruleName));
    expect(findings).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
