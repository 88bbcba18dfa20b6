/**
 * One Lambda entry point: bundled by the local esbuild (never Docker), nodejs22.x on
 * arm64, ESM, minified, source maps on, AWS SDK from the runtime; its own role (only
 * what `TABLE_ACCESS` and the stack grant, plus writing its own log group), its own
 * log group with a retention, and Powertools' settings (service name, metrics namespace, log level).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Validations, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE, deskAssetsCommands, entryPath, REPO_ROOT, shipPackagesCommands, type FunctionId } from '../bundling.ts';
import { SOFTLAND_METRICS } from './monitoring.ts';

export interface LambdaFunctionProps {
  readonly functionId: FunctionId;
  readonly functionName: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrentExecutions?: number | undefined;
  readonly removalPolicy: RemovalPolicy;
  /** Run in these subnets of a VPC (default: no VPC). */
  readonly network?: LambdaNetwork | undefined;
}

export interface LambdaNetwork {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroups: readonly ISecurityGroup[];
}

/**
 * What Lambda does with the function's role to attach it to a VPC: create, describe and
 * delete its network interfaces (the EC2 part of AWSLambdaVPCAccessExecutionRole; the
 * Describe actions accept no resource but `*`).
 */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

export class LambdaFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.functionName}`,
    });
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    if (props.network) {
      // Inline, as the rest of the role: no managed policy (AWSLambdaVPCAccessExecutionRole also grants logs on *).
      this.role.addToPolicy(new PolicyStatement({ actions: [...VPC_ACCESS_ACTIONS], resources: ['*'] }));
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'This function runs in a VPC: Lambda manages its network interfaces with this role, and ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets accept no resource but * (these are the EC2 actions of AWSLambdaVPCAccessExecutionRole, inline). The other * is X-Ray: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions. Nothing else in this role is on *.',
      });
    }

    this.fn = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: entryPath(props.functionId),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.TEXT,
      tracing: Tracing.ACTIVE,
      ...(props.reservedConcurrentExecutions ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...(props.network ? { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [...props.network.securityGroups] } : {}),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...powertoolsEnvironment(props.functionName), ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: BUNDLE.target,
        minify: BUNDLE.minify,
        sourceMap: BUNDLE.sourcemap,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: BUNDLE.sourcesContent,
        mainFields: [...BUNDLE.mainFields],
        externalModules: [...BUNDLE.external],
        banner: BUNDLE.banner,
        tsconfig: join(REPO_ROOT, 'tsconfig.json'),
        logLevel: LogLevel.WARNING,
        esbuildArgs: { '--alias': Object.entries(BUNDLE.alias).map(([from, to]) => `${from}=${to}`) },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The solver, loaded from beside the bundle on the first plan; the API also serves the desk's and /docs' assets.
          afterBundling: (_input: string, output: string) => [...shipPackagesCommands(output), ...(props.functionId === 'api' ? deskAssetsCommands(output) : [])],
        },
      },
    });
  }
}

/**
 * Powertools' settings (functions/observability.ts): logs and metrics name the function as
 * their `service` (so each stage's metrics are its own: the alarms select them by it), in
 * the namespace the alarms read, logging INFO and above.
 */
export function powertoolsEnvironment(functionName: string): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: functionName, POWERTOOLS_METRICS_NAMESPACE: SOFTLAND_METRICS.namespace, POWERTOOLS_LOG_LEVEL: 'INFO' };
}

let esbuildChecked = false;

/**
 * NodejsFunction falls back to Docker when it cannot find esbuild; we never want that
 * (no Docker anywhere): fail with a clear message instead.
 */
function assertLocalEsbuild(): void {
  if (esbuildChecked) return;
  try {
    createRequire(join(REPO_ROOT, 'package.json')).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed in node_modules: run `npm ci` (the stack bundles with the local esbuild, never with Docker)');
  }
  esbuildChecked = true;
}
