/**
 * How every Lambda entry point is bundled, in one place: the stack's NodejsFunctions and
 * `bench/bundle.ts` (bundle size and module init time) both read these settings, so the
 * bench measures exactly what is deployed.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json, package-lock.json and tsconfig.json live). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda entry points, relative to the repository root. */
export const ENTRIES = {
  api: 'functions/api/lambda.ts',
  coordinator: 'functions/sweep/coordinator.ts',
  worker: 'functions/sweep/worker.ts',
  dispatcher: 'functions/webhooks/dispatcher.ts',
  admin: 'functions/admin/lambda.ts',
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
  /** The nodejs22.x runtime provides AWS SDK v3; the solver is shipped beside the bundle (SHIPPED_PACKAGES). */
  external: ['@aws-sdk/*', 'highs'],
  banner: ESM_REQUIRE_BANNER,
  /**
   * `zod` → infra/bundle/zod.ts: zod itself, with its translated error messages left out
   * (about 260 KiB of every bundle; errors stay English, zod's default). See that file.
   */
  alias: { zod: fileURLToPath(new URL('./bundle/zod.ts', import.meta.url)) },
} as const;

/**
 * Packages shipped beside the bundle instead of inside it: HiGHS, the planner's solver
 * (168 KiB of loader and a 3.5 MB WebAssembly module), loaded on the first plan only, so
 * a cold start never parses it. Each is copied to `node_modules/<name>` next to index.mjs,
 * where Node's resolution finds it.
 */
export const SHIPPED_PACKAGES: readonly string[] = ['highs'];

/** The files of a shipped package that are copied: its manifest and its build. */
const SHIPPED_FILES = ['package.json', 'build'];

/** Shell commands copying the shipped packages into a bundle's output folder (the stack's command hook). */
export function shipPackagesCommands(outdir: string): string[] {
  return SHIPPED_PACKAGES.flatMap((name) => {
    const to = `${outdir}/node_modules/${name}`;
    return [`mkdir -p "${to}"`, ...SHIPPED_FILES.map((f) => `cp -r "${join(REPO_ROOT, 'node_modules', name, f)}" "${to}/"`)];
  });
}

/** Copies the shipped packages into a bundle's output folder (the bench and the bundle test). */
export function shipPackages(outdir: string): void {
  for (const name of SHIPPED_PACKAGES) {
    for (const f of SHIPPED_FILES) cpSync(join(REPO_ROOT, 'node_modules', name, f), join(outdir, 'node_modules', name, f), { recursive: true });
  }
}

/**
 * Shell commands building the risk desk's and /docs' assets (desk/build.ts) into `desk/` of
 * the API's bundle, where functions/api/lambda.ts reads them on the first page request.
 */
export function deskAssetsCommands(outdir: string): string[] {
  return [`"${join(REPO_ROOT, 'node_modules', '.bin', 'tsx')}" "${join(REPO_ROOT, 'desk', 'build.ts')}" --outdir "${outdir}/desk"`];
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
