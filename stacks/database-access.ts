import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { HedgerowFunction, HedgerowFunctionProps } from './constructs/hedgerow-function';
import { DATABASE_NAME, type DataStack } from './data-stack';

/**
 * How a function reaches Postgres (docs/architecture.md, "Lambda environment"):
 * - `data-api`: the RDS Data API over HTTPS, from outside the VPC, with no connection to hold
 *   (Aurora can still auto-pause);
 * - `pg`: node-postgres over TCP from inside the VPC, through RDS Proxy where the profile has one
 *   (scale), else straight to the writer endpoint (lean with the msk bus, whose ingestion consumer
 *   is in the VPC anyway).
 */
export type DatabaseMode = 'data-api' | 'pg';

/** The Amazon CA certificates (RDS's included) that Lambda's Node.js runtimes ship. */
const LAMBDA_AMAZON_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** The placement of a function inside the VPC: the isolated subnets, the clients security group. */
export function vpcPlacement(data: DataStack): Partial<HedgerowFunctionProps> {
  const vpcSubnets: ec2.SubnetSelection = { subnets: data.vpc.isolatedSubnets };
  return { vpc: data.vpc, vpcSubnets, securityGroups: [data.clientSecurityGroup] };
}

/** The VPC placement a `pg` function needs; `data-api` functions stay outside the VPC. */
export function databasePlacement(data: DataStack, mode: DatabaseMode): Partial<HedgerowFunctionProps> {
  return mode === 'data-api' ? {} : vpcPlacement(data);
}

/** Sets the database environment variables of `fn` and grants exactly the access that mode needs. */
export function connectDatabase(fn: HedgerowFunction, data: DataStack, mode: DatabaseMode): void {
  fn.addEnvironment('HEDGEROW_DATABASE_MODE', mode);
  fn.addEnvironment('HEDGEROW_DATABASE_NAME', DATABASE_NAME);
  fn.addEnvironment('HEDGEROW_DATABASE_SECRET_ARN', data.databaseSecret.secretArn);
  if (mode === 'data-api') {
    fn.addEnvironment('HEDGEROW_DATABASE_CLUSTER_ARN', data.database.clusterArn);
    data.database.grantDataApiAccess(fn);
    return;
  }
  // Without a proxy the connection holds Aurora awake while it is open, like any client would.
  fn.addEnvironment('HEDGEROW_DATABASE_HOST', data.proxy?.endpoint ?? data.database.clusterEndpoint.hostname);
  // The client verifies the server's certificate against Node's own CA list. RDS Proxy's comes from ACM
  // (an Amazon root in that list); an Aurora instance's from an RDS authority that is not, and since
  // Node.js 20 Lambda adds its bundle of Amazon CAs only when this variable names it
  // (docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
  if (!data.proxy) fn.addEnvironment('NODE_EXTRA_CA_CERTS', LAMBDA_AMAZON_CA_BUNDLE);
  data.databaseSecret.grantRead(fn);
}
