/**
 * Stands in for `zod` in the Lambda bundles only (esbuild `alias`, see infra/bundling.ts):
 * the same exports, except that `locales` and `core.locales` carry English alone.
 *
 * Why: `import { z } from 'zod'` (in @hono/zod-openapi and shared/schemas) makes esbuild
 * keep the whole `z` namespace, and with it all of zod's translated error messages,
 * about 260 KiB of the API bundle that no one uses (errors are English, zod's default).
 * Rollup and webpack shake them; esbuild does not. Nothing else changes: every schema,
 * check and error is zod's own code.
 *
 * esbuild's alias also rewrites subpaths (`zod/v4` → `<this file>/v4`): an import of a zod
 * subpath anywhere in a bundle fails the build (synth, bench and infra/bundle.test.ts) with
 * "Could not resolve"; give that subpath its own shim, or drop the alias.
 */
import * as z from './zod-english.ts';

export * from './zod-english.ts';
export { z, z as default };
