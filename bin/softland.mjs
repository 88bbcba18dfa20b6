#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx registers the loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
