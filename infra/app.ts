/**
 * Builds the CDK app: one Softland stack for the stage given in context (`-c stage=prod`),
 * checked by cdk-nag's AwsSolutions pack at synthesis. Used by infra/bin/softland.ts
 * (the `cdk` CLI) and by the tests.
 */
import { App, Tags, Validations, type AppProps, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from './config.ts';
import { SoftlandStack } from './stack.ts';

export interface SoftlandAppOptions extends AppProps {
  /**
   * Take account and region from context (`-c account=… -c region=…`) or from
   * CDK_DEPLOY_ACCOUNT / CDK_DEPLOY_REGION, when given (default false: env-agnostic, as
   * the tests want). The CLI's own CDK_DEFAULT_REGION is not used: it falls back to
   * us-east-1 when nothing is configured, which would pin the template to a region
   * nobody chose. An env-agnostic stack deploys to the CLI's account and region.
   */
  readonly envFromContext?: boolean;
  /** Run cdk-nag's AwsSolutions checks at synthesis (default true). */
  readonly nag?: boolean;
}

export function buildSoftlandApp(options: SoftlandAppOptions = {}): { app: App; stack: SoftlandStack } {
  const { envFromContext = false, nag = true, ...appProps } = options;
  const app = new App(appProps);
  const config = stageConfig(app.node);
  const env = envFromContext ? environmentFrom((key) => app.node.tryGetContext(key), process.env) : undefined;
  const stack = new SoftlandStack(app, `softland-${config.stage}`, {
    config,
    description: `Softland risk engine (${config.stage}): API, sweeps, webhooks`,
    terminationProtection: config.isProd,
    ...(env ? { env } : {}),
  });
  Tags.of(app).add('project', 'softland');
  Tags.of(app).add('stage', config.stage);
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

/** Account and region from context (`-c account=… -c region=…`) or CDK_DEPLOY_ACCOUNT / CDK_DEPLOY_REGION, when given. */
export function environmentFrom(context: (key: string) => unknown, env: NodeJS.ProcessEnv): Environment | undefined {
  const account = stringOrUndefined(context('account')) ?? stringOrUndefined(env['CDK_DEPLOY_ACCOUNT']);
  const region = stringOrUndefined(context('region')) ?? stringOrUndefined(env['CDK_DEPLOY_REGION']);
  if (!account && !region) return undefined;
  return { ...(account ? { account } : {}), ...(region ? { region } : {}) };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
