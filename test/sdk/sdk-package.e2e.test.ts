/**
 * The SDK as a package (issue 21): build `@softland/client`, `npm pack` it, install the
 * tarball into a fresh project in a temporary directory, type-check a program there with
 * strict tsc and run it against the real local server: an assessment, then a test webhook
 * received on loopback and verified with the package's `verifyWebhook` (and a tampered
 * body, a wrong secret and a stale timestamp refused).
 *
 * Offline: openapi-fetch (the peer dependency) with its dependency, and @types/node for the
 * consumer's type-check, are packed from this repository's node_modules and installed as
 * tarballs beside the SDK, so no registry is needed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk } from '../../scripts/sdk-build.ts';
import { useTestServer } from '../local-server.ts';

const run = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const TSC = repo('node_modules/typescript/bin/tsc');
/** Installed beside the SDK from this repository's node_modules: the peer dependency and what it needs, and Node's types for the consumer. */
const FROM_REPO = ['openapi-fetch', 'openapi-typescript-helpers', '@types/node', 'undici-types'];

/** The environment of the child processes: none of npm's or Node's settings from the run that started the tests. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_OPTIONS$|NODE_PATH$|VITEST)/i.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

async function sh(command: string, args: string[], cwd: string, env = childEnv(), timeout = 60_000): Promise<string> {
  try {
    return (await run(command, args, { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}\n${String(error)}`);
  }
}

const { server } = useTestServer('sdk', { dispatchIntervalMs: 200, allowInsecureWebhooks: true });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'softland-sdk-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the SDK package @softland/client', () => {
  it('installs from its tarball into a fresh project, type-checks strictly, calls the API and verifies a webhook', { timeout: 120_000 }, async () => {
    const timings: Record<string, number> = {};
    let t = Date.now();
    const lap = (name: string) => {
      timings[name] = Date.now() - t;
      t = Date.now();
    };

    // The package, as `npm run sdk:build -- --out … --pack …` makes it.
    const tarballs = join(dir, 'tarballs');
    const { tarball } = buildSdk({ out: join(dir, 'package'), pack: tarballs });
    expect(tarball).toMatch(/softland-client-0\.1\.0\.tgz$/);
    const listing = (await sh('tar', ['-tzf', tarball!], dir)).trim().split('\n').sort();
    expect(listing).toEqual([
      'package/README.md',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/dist/schema.d.ts',
      'package/dist/webhooks.d.ts',
      'package/dist/webhooks.js',
      'package/package.json',
    ]);
    const others = await Promise.all(
      FROM_REPO.map(async (name) => {
        const packed = JSON.parse(await sh('npm', ['pack', repo(`node_modules/${name}`), '--pack-destination', tarballs, '--json', '--silent', '--ignore-scripts'], dir)) as Array<{ filename: string }>;
        return join(tarballs, packed[0]!.filename);
      }),
    );
    lap('build and pack');

    // A fresh project that installs the tarballs (no registry).
    const app = join(dir, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
    await sh('npm', ['install', tarball!, ...others, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], app);
    // The peer dependency is satisfied (npm ls fails on a missing or invalid one).
    const tree = JSON.parse(await sh('npm', ['ls', '--all', '--json'], app)) as { dependencies: Record<string, { version: string; peerDependencies?: unknown }> };
    expect(tree.dependencies['@softland/client']?.version).toBe('0.1.0');
    expect(tree.dependencies['openapi-fetch']?.version).toBe('0.17.0');
    lap('install');

    // The program, type-checked with strict settings (declarations of every package included) and compiled.
    // A .ts.txt file: `@softland/client` does not resolve in this repository, whose tsc would check a .ts one.
    writeFileSync(join(app, 'src/main.ts'), readFileSync(new URL('./consumer/main.ts.txt', import.meta.url), 'utf8'));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          rootDir: 'src',
          outDir: 'build',
        },
        include: ['src'],
      }),
    );
    await sh(process.execPath, [TSC, '-p', app], app);
    lap('tsc');

    // Run it against the local server.
    const output = await sh(process.execPath, [join(app, 'build/main.js')], app, childEnv({ SOFTLAND_URL: server.url, SOFTLAND_KEY: server.apiKey, SNAPSHOT_FILE: repo('examples/tier1-perpetuals.json') }), 40_000);
    lap('run');
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as {
      resolvedFrom: string;
      assessment: { accountId: string; tier: string; marginRatio: number | null };
      endpointId: string;
      webhookId: string;
      event: { type: string; timestamp: string; data: { endpointId: string } };
      described: string;
      sameEventViaSubpath: boolean;
      refusals: Record<string, string>;
    };
    console.log(`sdk package test: ${JSON.stringify(timings)}`);

    // The package came from the project's own node_modules, not from this repository.
    expect(result.resolvedFrom).toBe(pathToFileURL(join(app, 'node_modules/@softland/client/dist/index.js')).href);
    expect(result.assessment).toMatchObject({ accountId: 'acct-perp-trader', tier: 'tier1' });
    expect(result.event).toMatchObject({ type: 'webhook.test', data: { endpointId: result.endpointId } });
    expect(result.webhookId).toMatch(/\S/);
    expect(result.described).toBe(`test of ${result.endpointId}`);
    expect(result.sameEventViaSubpath).toBe(true);
    expect(result.refusals).toEqual({
      tamperedBody: 'invalid_signature',
      wrongSecret: 'invalid_signature',
      replayedLater: 'timestamp_out_of_tolerance',
      unsigned: 'missing_header',
    });
  });
});
