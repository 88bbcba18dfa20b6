/**
 * One Lambda entry point: bundled by the local esbuild (never Docker), nodejs22.x on
 * arm64, ESM, minified, source maps on, AWS SDK from the runtime; its own role (only
 * what `TABLE_ACCESS` and the stack grant, plus writing its own log group) and its own
 * log group with a retention.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE, entryPath, REPO_ROOT, shipPackagesCommands, type FunctionId } from '../bundling.ts';

export interface LambdaFunctionProps {
  readonly functionId: FunctionId;
  readonly functionName: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrentExecutions?: number | undefined;
  readonly removalPolicy: RemovalPolicy;
}

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
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
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
          // The solver, loaded from beside the bundle on the first plan.
          afterBundling: (_input: string, output: string) => shipPackagesCommands(output),
        },
      },
    });
  }
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
