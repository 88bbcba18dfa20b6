/**
 * The CDK app (cdk.json: `npx tsx infra/bin/softland.ts`).
 *
 *   npx cdk synth -c stage=dev
 *   npx cdk deploy -c stage=prod [-c alarmEmail=ops@example.com] [-c webhookEgress=fixed]
 *
 * Synthesis is offline: no lookups, no credentials needed. The stack is env-agnostic
 * (deployed to the CLI's account and region) unless `-c account=… -c region=…` or
 * CDK_DEPLOY_ACCOUNT / CDK_DEPLOY_REGION say otherwise.
 */
import { buildSoftlandApp } from '../app.ts';

buildSoftlandApp({ envFromContext: true }).app.synth();
