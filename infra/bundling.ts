/**
 * How every Lambda entry point is bundled, in one place: the stack's NodejsFunctions and
 * `bench/bundle.ts` (bundle size and module init time) both read these settings, so the
 * bench measures exactly what is deployed.
 */
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json, package-lock.json and tsconfig.json live). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda entry points, relative to the repository root. */
export const ENTRIES = {
  api: 'functions/api/lambda.ts',
  coordinator: 'functions/sweep/coordinator.ts',
  worker: 'functions/sweep/worker.ts',
  dispatcher: 'functions/webhooks/dispatcher.ts',
} as const;

export type FunctionId = keyof typeof ENTRIES;

/** The absolute path of an entry point. */
export function entryPath(id: FunctionId): string {
  return fileURLToPath(new URL(`../${ENTRIES[id]}`, import.meta.url));
}

/**
 * Defines `require` in the ESM bundle, for the CommonJS dependencies esbuild wraps
 * (their `require('node:…')` calls go through it). Aliased import: no clash with the bundle's names.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __softlandCreateRequire } from 'node:module'; const require = __softlandCreateRequire(import.meta.url);";

/** esbuild settings shared by the stack and the bench. */
export const BUNDLE = {
  /** ESM output (index.mjs): top-level await allowed, no CJS interop cost at init. */
  format: 'esm',
  platform: 'node',
  /** The Lambda runtime: nodejs22.x. */
  target: 'node22',
  minify: true,
  /** External source map; NODE_OPTIONS=--enable-source-maps maps stack traces back to the sources. */
  sourcemap: true,
  /** The sources are in the repository: keep the map small. */
  sourcesContent: false,
  /** Prefer the ESM build of dependencies that ship both (better tree shaking). */
  mainFields: ['module', 'main'],
  /** The nodejs22.x runtime provides AWS SDK v3. */
  external: ['@aws-sdk/*'],
  banner: ESM_REQUIRE_BANNER,
  /**
   * `zod` → infra/bundle/zod.ts: zod itself, with its translated error messages left out
   * (about 260 KiB of every bundle; errors stay English, zod's default). See that file.
   */
  alias: { zod: fileURLToPath(new URL('./bundle/zod.ts', import.meta.url)) },
} as const;

/**
 * Files every bundle needs beside it: HiGHS's WebAssembly module (the planner's solver),
 * which its loader looks for next to the code that loads it (`import.meta.url`).
 */
export const BUNDLE_ASSETS: readonly string[] = [fileURLToPath(new URL('../node_modules/highs/build/highs.wasm', import.meta.url))];

/** Copies BUNDLE_ASSETS into a bundle's output folder (the bench and the bundle test; the stack does it with a command hook). */
export function copyBundleAssets(outdir: string): void {
  for (const asset of BUNDLE_ASSETS) copyFileSync(asset, join(outdir, basename(asset)));
}

/**
 * The esbuild build options NodejsFunction produces from `BUNDLE` (what `cdk synth`
 * runs), for building a bundle outside CDK: the bench and the bundle smoke test.
 */
export function esbuildOptions(id: FunctionId, outfile: string) {
  return {
    entryPoints: [entryPath(id)],
    outfile,
    bundle: true,
    format: BUNDLE.format,
    platform: BUNDLE.platform,
    target: BUNDLE.target,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourcemap,
    sourcesContent: BUNDLE.sourcesContent,
    mainFields: [...BUNDLE.mainFields],
    external: [...BUNDLE.external],
    banner: { js: BUNDLE.banner },
    alias: { ...BUNDLE.alias },
    tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
    logLevel: 'warning',
  } satisfies import('esbuild').BuildOptions;
}
