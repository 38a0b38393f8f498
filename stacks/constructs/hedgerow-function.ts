import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from '../project-root';

/** Log levels of the Lambda environment contract (`LOG_LEVEL`, docs/architecture.md). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const APPLICATION_LOG_LEVEL: Record<LogLevel, lambda.ApplicationLogLevel> = {
  debug: lambda.ApplicationLogLevel.DEBUG,
  info: lambda.ApplicationLogLevel.INFO,
  warn: lambda.ApplicationLogLevel.WARN,
  error: lambda.ApplicationLogLevel.ERROR,
};

/**
 * Modules never bundled: the AWS SDK v3 is in the Node 22 runtime, and the local-only engines
 * (chDB is 546 MB, PGlite, Playwright) must not end up in a Lambda even if imported transitively.
 */
export const EXTERNAL_MODULES = [
  '@aws-sdk/*',
  'chdb',
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  'pg-native',
  'playwright-core',
  // Served as files, never imported: the flags function copies its dist beside the bundle (`assets`).
  'posthog-js',
  // 1.1 MB of WASM as JavaScript, loaded on the first HogQL query: copied beside the bundle of the
  // functions that query (`vendored`), so it is not part of their bundle nor of their cold start.
  '@posthog/hogql-parser',
  // The Kafka client (-c bus=msk only; no dependencies of its own): copied beside the functions
  // that produce to MSK (`vendored`), so the Kinesis deployments' bundles do not carry it.
  'kafkajs',
] as const;

export interface HedgerowFunctionProps {
  /** The folder under `lambdas/`: the entry is `lambdas/<name>/index.ts`, exporting `handler`. */
  readonly name: string;
  /** @default - "Hedgerow <name>" */
  readonly description?: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Extra environment variables (names from docs/architecture.md); `LOG_LEVEL` is always set. */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY (logs of a stateless function) */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Runs the function inside this VPC (only functions that speak TCP to Aurora or ElastiCache). @default - no VPC */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's isolated subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group when `vpc` is set */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /** The repository root that holds `lambdas/` and `package-lock.json`. @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /**
   * Files copied next to the bundle after esbuild ran (e.g. posthog-js's built bundles, which
   * the flags function serves under /static): every file of `from` (relative to the project root)
   * whose name ends in `extension`, into the folder `to` of the function's code. @default - none
   */
  readonly assets?: { readonly from: string; readonly to: string; readonly extension: string };
  /**
   * External packages (from EXTERNAL_MODULES) copied whole from the project's node_modules into
   * the function's node_modules, where `require` finds them: copied, not installed, so synth
   * stays offline. @default - none
   */
  readonly vendored?: readonly string[];
}

/**
 * The one Lambda factory: every Hedgerow function is a Node 22 ARM64 NodejsFunction bundled by the
 * local esbuild, with JSON logs into its own log group, X-Ray tracing, and a role that may write
 * only to that log group (everything else comes from `grant*()` calls by the stacks).
 */
export class HedgerowFunction extends Construct implements iam.IGrantable {
  /** The folder under `lambdas/` (also the `hedgerow:function` tag). */
  readonly name: string;
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: HedgerowFunctionProps) {
    super(scope, id);
    this.name = props.name;
    const root = props.projectRoot ?? PROJECT_ROOT;
    const entry = path.join(root, 'lambdas', props.name, 'index.ts');
    if (!fs.existsSync(entry)) throw new Error(`HedgerowFunction ${props.name}: entry ${entry} does not exist`);
    const logLevel = props.logLevel ?? 'info';

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Hedgerow ${props.name} function`,
    });
    this.grantPrincipal = this.role;
    this.logGroup.grantWrite(this.role);
    if (props.vpc) {
      // Lambda creates ENIs for VPC access; EC2's ENI actions support no resource-level scoping.
      this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'ENI management for a VPC function: the AWS-managed policy is the documented minimum and EC2 ENI actions cannot be scoped to resources.',
      });
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: path.join(root, 'package-lock.json'),
      description: props.description ?? `Hedgerow ${props.name}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      environment: { ...props.environment, LOG_LEVEL: logLevel },
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: APPLICATION_LOG_LEVEL[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.securityGroups,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
        externalModules: [...EXTERNAL_MODULES],
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
        commandHooks: props.assets || props.vendored?.length ? copyFilesHook(props.assets, props.vendored ?? []) : undefined,
      },
    });

    // Cost allocation, and how bin/cost-report.ts knows which function is which.
    Tags.of(this).add('hedgerow:function', props.name);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the same code runs locally on Node 20 (TOOLCHAIN.md); runtimes move in this one construct.',
    });
  }

  /** Adds an environment variable after construction (e.g. a value known only once a peer resource exists). */
  addEnvironment(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }
}

/** An esbuild `afterBundling` hook that copies files into the function's code (local bundling: POSIX shell). */
function copyFilesHook(assets: HedgerowFunctionProps['assets'], vendored: readonly string[]): nodejs.ICommandHooks {
  if (assets && (!/^[\w./-]+$/.test(assets.from) || !/^[\w-]+$/.test(assets.to) || !/^\.[\w.]+$/.test(assets.extension))) {
    throw new Error(`HedgerowFunction assets: unsafe path in ${JSON.stringify(assets)}`);
  }
  for (const name of vendored) {
    if (!/^(@[\w.-]+\/)?[\w.-]+$/.test(name) || !(EXTERNAL_MODULES as readonly string[]).includes(name)) {
      throw new Error(`HedgerowFunction vendored: ${JSON.stringify(name)} must be a package name in EXTERNAL_MODULES`);
    }
  }
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      ...(assets ? [`mkdir -p "${outputDir}/${assets.to}"`, `cp "${inputDir}/${assets.from}"/*${assets.extension} "${outputDir}/${assets.to}/"`] : []),
      ...vendored.flatMap((name) => [`mkdir -p "${outputDir}/node_modules/${name}"`, `cp -R "${inputDir}/node_modules/${name}/." "${outputDir}/node_modules/${name}/"`]),
    ],
  };
}
