/**
 * Test helpers: the app of one stage, synthesized once (bundling with the local esbuild
 * and running cdk-nag's AwsSolutions checks, exactly as `npx cdk synth` does, with the
 * context of cdk.json), its template and the validation report.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { buildSoftlandApp } from './app.ts';
import type { SoftlandStack } from './stack.ts';

/** The feature flags and settings `cdk synth` reads from cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface ValidationViolation {
  readonly ruleName: string;
  readonly severity: string;
  readonly description: string;
  readonly violatingConstructs?: ReadonlyArray<{ readonly constructPath: string }>;
}

export interface ValidationReport {
  readonly pluginReports: ReadonlyArray<{ readonly pluginName: string; readonly conclusion: string; readonly violations: readonly ValidationViolation[] }>;
}

export interface SynthesizedStage {
  /** The cloud assembly directory (a temporary directory: remove it when done). */
  readonly outdir: string;
  readonly app: App;
  readonly stack: SoftlandStack;
  /** The stack's template (synthesis succeeded). */
  readonly template: Template;
  /** CDK's validation report (cdk-nag's findings), undefined when no validation plugin ran. */
  readonly report: ValidationReport | undefined;
}

/**
 * Builds and synthesizes the app for `stage` (`extra` context added; `prepare` may add
 * constructs first). Synthesis throws when cdk-nag reports errors, as the CLI fails.
 */
/** A fresh temporary directory for a cloud assembly. */
export function tempOutdir(name: string): string {
  return mkdtempSync(join(tmpdir(), `softland-cdk-${name}-`));
}

export function synthStage(stage: string, options: { extra?: Record<string, unknown>; prepare?: (stack: SoftlandStack) => void } = {}): SynthesizedStage {
  const outdir = tempOutdir(stage);
  const { app, stack } = buildSoftlandApp({ outdir, context: { ...cdkJsonContext(), ...options.extra, stage } });
  options.prepare?.(stack);
  app.synth();
  return { outdir, app, stack, template: Template.fromStack(stack), report: readReport(outdir) };
}

/** CDK's validation report in an assembly directory, if a validation plugin ran. */
export function readReport(outdir: string): ValidationReport | undefined {
  try {
    return JSON.parse(readFileSync(join(outdir, VALIDATION_REPORT_FILE), 'utf8')) as ValidationReport;
  } catch {
    return undefined;
  }
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(stack: SoftlandStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as Parameters<SoftlandStack['getLogicalId']>[0]);
}
