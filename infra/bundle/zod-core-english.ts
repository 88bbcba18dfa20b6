/** zod's core with `locales` reduced to English (see ./zod.ts). */
import en from '../../node_modules/zod/v4/locales/en.js';

export * from '../../node_modules/zod/v4/core/index.js';
// A local export wins over the `export *` above.
export const locales = { en };
