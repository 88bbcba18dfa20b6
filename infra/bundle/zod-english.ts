/**
 * zod's classic API with every `locales` namespace reduced to English (see ./zod.ts):
 * `locales` and `core.locales`. Relative paths: the esbuild alias does not apply to them.
 */
import * as core from './zod-core-english.ts';
import en from '../../node_modules/zod/v4/locales/en.js';

export * from '../../node_modules/zod/v4/classic/external.js';
// Local exports win over the `export *` above.
export { core };
export const locales = { en };
