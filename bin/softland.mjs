#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx registers the loader.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every run under Node 20 that its releases from 2027 need Node 22; the
// CLI pins its SDK version (package-lock.json), so the warning says nothing about this tool.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
