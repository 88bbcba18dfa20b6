/**
 * Generator matrix (issue 18): the committed OpenAPI document read by three TypeScript
 * generators, each client compiled under strict TypeScript and driven against the real
 * local server.
 *
 * - openapi-typescript: the project's own client, openapi/client (committed types,
 *   `npm run openapi:check` keeps them in step with the document);
 * - openapi-typescript-codegen (`--client fetch --useUnionTypes`);
 * - swagger-typescript-api (its fetch client, the default).
 *
 * beforeAll generates the two foreign clients into a temp directory, copies one scenario per
 * generator there (test/generators/scenarios/*.ts.txt: never compiled by the repo's
 * tsconfig), type-checks the three in one `tsc --strict` run and runs each with tsx. Each
 * scenario asserts at compile time that Account.lastAssessment, Account.tier,
 * Assessment.liquidation and account.tier_changed's data.from are nullable (and not `any`),
 * that reading through them unchecked does not compile, and then handles the nulls at run
 * time: a healthy assessment (liquidation: null) and an account registered before any market
 * push (lastAssessment: null). The bodies it received are validated against the document.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/server.ts';
import { startTestServer } from '../local-server.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOCUMENT = join(REPO, 'openapi', 'openapi.json');
const PROJECT_CLIENT = join(REPO, 'openapi', 'client', 'index.ts');
/** tier `healthy`, no liquidation plan (`npx softland assess examples/healthy-hedged-options.json`). */
const HEALTHY_EXAMPLE = join(REPO, 'examples', 'healthy-hedged-options.json');
const BIN = join(REPO, 'node_modules', '.bin');
const SCENARIOS = fileURLToPath(new URL('./scenarios/', import.meta.url));

const GENERATORS = ['openapi-typescript', 'openapi-typescript-codegen', 'swagger-typescript-api'] as const;
type Generator = (typeof GENERATORS)[number];

interface Exec {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a scenario prints (scenarios/common.ts.txt, ScenarioResult). */
interface ScenarioResult {
  generator: string;
  healthy: { status: number | null; tier: string; plan: 'none' | 'present'; handled: string };
  unassessed: { putStatus: number | null; getStatus: number | null; summary: 'none' | 'present'; tier: string; handled: string };
  bodies: { assessment: Record<string, unknown>; putAccount: Record<string, unknown>; getAccount: Record<string, unknown> };
}

/** Runs a program to the end; never throws (a failure is a non-zero code, with its output). */
function exec(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr });
      resolve({ code: typeof error.code === 'number' ? error.code : 1, stdout, stderr: `${stderr}\n${error.message}` });
    });
  });
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** An import specifier for `target` from a file in `fromDir`. */
function specifier(fromDir: string, target: string): string {
  const path = relative(fromDir, target).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

let server: LocalServer | undefined;
let work: string;
let compile: Exec;
const runs = new Map<Generator, Exec>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'softland-generators-'));
  const [started, codegen, sta] = await Promise.all([
    startTestServer('gen'),
    // By its own path: @redocly/cli also installs an `openapi` bin, and which one .bin/openapi is depends on install order.
    exec(process.execPath, [join(REPO, 'node_modules', 'openapi-typescript-codegen', 'bin', 'index.js'), '--input', DOCUMENT, '--output', join(work, 'openapi-typescript-codegen', 'client'), '--client', 'fetch', '--useUnionTypes']),
    // No --http-client: 13.13.0's CLI generates the axios client for any value of it, "fetch" included.
    exec(join(BIN, 'swagger-typescript-api'), ['generate', '-p', DOCUMENT, '-o', join(work, 'swagger-typescript-api', 'client'), '-n', 'api.ts', '--silent']),
  ]);
  server = started;
  for (const [name, generated] of [['openapi-typescript-codegen', codegen], ['swagger-typescript-api', sta]] as const) {
    if (generated.code !== 0) throw new Error(`${name} failed (${generated.code}):\n${generated.stdout}\n${generated.stderr}`);
  }

  write(join(work, 'package.json'), JSON.stringify({ private: true, type: 'module' }, null, 2));
  write(
    join(work, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          // openapi-typescript-codegen writes extensionless relative imports.
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          // The project client imports './schema.d.ts'.
          allowImportingTsExtensions: true,
          esModuleInterop: true,
          types: ['node'],
          typeRoots: [join(REPO, 'node_modules', '@types')],
        },
        files: GENERATORS.map((generator) => `${generator}/scenario.ts`),
      },
      null,
      2,
    ),
  );
  write(join(work, 'common.ts'), readFileSync(join(SCENARIOS, 'common.ts.txt'), 'utf8'));
  for (const generator of GENERATORS) {
    const source = readFileSync(join(SCENARIOS, `${generator}.ts.txt`), 'utf8');
    const dir = join(work, generator);
    write(join(dir, 'scenario.ts'), source.replaceAll('__SOFTLAND_CLIENT__', specifier(dir, PROJECT_CLIENT)));
  }

  // One tsc over the three folders (faster than three runs), then the three scenarios at once.
  compile = await exec(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(work, 'tsconfig.json')], { cwd: work });
  const { url, apiKey } = started;
  await Promise.all(
    GENERATORS.map(async (generator) => {
      const env = {
        ...process.env,
        SOFTLAND_URL: url,
        SOFTLAND_API_KEY: apiKey,
        SOFTLAND_HEALTHY_EXAMPLE: HEALTHY_EXAMPLE,
        SOFTLAND_ACCOUNT_ID: `acct-gen-${generator}-${randomBytes(3).toString('hex')}`,
      };
      const run = await exec(join(BIN, 'tsx'), [join(work, generator, 'scenario.ts')], { cwd: work, env });
      write(join(work, generator, 'scenario.log'), `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
      runs.set(generator, run);
    }),
  );
}, 120_000);

afterAll(async () => {
  await server?.stop();
  // SOFTLAND_KEEP_GENERATED=1 keeps the clients, scenarios and their logs (<generator>/scenario.log).
  if (work && !process.env.SOFTLAND_KEEP_GENERATED) rmSync(work, { recursive: true, force: true });
});

function resultOf(generator: Generator): ScenarioResult {
  const run = runs.get(generator);
  if (!run) throw new Error(`${generator}: the scenario did not run`);
  const line = run.stdout.split('\n').find((l) => l.startsWith('SCENARIO_RESULT '));
  if (run.code !== 0 || !line) throw new Error(`${generator}: the scenario failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line.slice('SCENARIO_RESULT '.length)) as ScenarioResult;
}

/**
 * The document's component schemas as validators. `closed` also refuses properties the
 * document does not list (the document has no allOf, so closing each object schema is sound).
 */
function schemaValidators(closed: boolean) {
  const document = JSON.parse(readFileSync(DOCUMENT, 'utf8')) as Record<string, unknown>;
  const close = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(close);
    if (node === null || typeof node !== 'object') return node;
    const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, close(v)]));
    if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false;
    return copy;
  };
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(closed ? (close(document) as Record<string, unknown>) : document, 'openapi.json');
  return (schema: string, body: unknown): string[] => {
    const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schema}` });
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

describe('generated clients: compiled under --strict, run against the local server', () => {
  it('type-checks the three scenarios (nullable fields typed nullable, unchecked reads refused)', () => {
    expect(compile.code, `tsc --strict:\n${compile.stdout}\n${compile.stderr}`).toBe(0);
  });

  describe.each(GENERATORS)('%s', (generator) => {
    it('assesses the healthy example: liquidation is null, and the scenario handled it', () => {
      const { healthy, bodies } = resultOf(generator);
      if (healthy.status !== null) expect(healthy.status).toBe(201);
      expect(healthy).toMatchObject({ tier: 'healthy', plan: 'none', handled: 'healthy: nothing to liquidate' });
      expect(bodies.assessment).toHaveProperty('liquidation', null);
    });

    it('registers an account before any market push: lastAssessment and tier are null, and handled', () => {
      const { unassessed, bodies } = resultOf(generator);
      if (unassessed.putStatus !== null) expect(unassessed.putStatus).toBe(201);
      if (unassessed.getStatus !== null) expect(unassessed.getStatus).toBe(200);
      expect(unassessed).toMatchObject({ summary: 'none', tier: 'unassessed', handled: 'not assessed yet' });
      for (const account of [bodies.putAccount, bodies.getAccount]) {
        expect(account).toHaveProperty('lastAssessment', null);
        expect(account).toHaveProperty('tier', null);
      }
    });

    it('received bodies that match the document (required fields, types, no undocumented fields)', () => {
      const { bodies } = resultOf(generator);
      const validate = schemaValidators(true);
      expect({
        assessment: validate('Assessment', bodies.assessment),
        putAccount: validate('Account', bodies.putAccount),
        getAccount: validate('Account', bodies.getAccount),
      }).toEqual({ assessment: [], putAccount: [], getAccount: [] });
    });
  });
});
