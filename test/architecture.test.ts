import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of docs/architecture.md, checked on every module's imports (static and
 * dynamic; tests excluded, they may reach anywhere they need).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Edge {
  readonly from: string;
  /** A repository path (shared/risk/book.ts) for a relative import, else the specifier (zod, node:fs). */
  readonly to: string;
}

function modules(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)import\s+'([^']+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specifiers.map((s) => ({ from: file, to: s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)) : s }));
}

const layer = (dir: string) => modules(dir).flatMap(importsOf);
const inDir = (dir: string) => (e: Edge) => e.to.startsWith(`${dir}/`);
const packageName = (e: Edge) => (e.to.startsWith('@') ? e.to.split('/').slice(0, 2).join('/') : e.to.split('/')[0]!);
/** Modules that touch the outside world: a pure layer imports none of them. */
const IO = /^node:(fs|fs\/promises|net|http|https|http2|dns|child_process|worker_threads|dgram|tls)$/;

describe('the layers of docs/architecture.md', () => {
  const shared = layer('shared');

  it('finds the modules and their imports it checks', () => {
    expect(modules('shared/risk').length).toBeGreaterThan(30);
    expect(shared.length).toBeGreaterThan(300);
    expect(shared.some((e) => e.to === 'shared/risk/black-scholes.ts')).toBe(true);
  });

  it('nothing in shared/ imports functions/, infra/, openapi/ or bench/', () => {
    expect(shared.filter((e) => /^(functions|infra|openapi|bench)\//.test(e.to))).toEqual([]);
  });

  it('the entry points never reach DynamoDB but through shared/store: no @aws-sdk/client-dynamodb outside it', () => {
    const entryPoints = layer('functions');
    expect(entryPoints.length).toBeGreaterThan(50);
    expect(entryPoints.filter((e) => e.to === '@aws-sdk/client-dynamodb')).toEqual([]);
  });

  it("the API's bundle never reaches the Tracer (aws-xray-sdk-core would break its budgets; functions/tracing.ts)", () => {
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const e of importsOf(file)) {
        if (/\.(ts|mjs)$/.test(e.to)) visit(e.to);
        else reached.add(e.to);
      }
    };
    visit('functions/api/lambda.ts');
    expect(reached.size).toBeGreaterThan(100);
    expect([...reached].filter((m) => m === 'functions/tracing.ts' || m.startsWith('@aws-lambda-powertools/tracer') || m.startsWith('aws-xray-sdk'))).toEqual([]);
    // The other functions do reach it.
    expect(importsOf('functions/sweep/worker.ts').some((e) => e.to === 'functions/tracing.ts')).toBe(true);
  });

  it('only shared/store builds DynamoDB requests: no other shared module imports @aws-sdk', () => {
    expect(shared.filter((e) => packageName(e) === '@aws-sdk' || e.to.startsWith('@aws-sdk/')).filter((e) => !e.from.startsWith('shared/store/'))).toEqual([]);
  });

  it('the risk core imports only itself, the schemas, zod and the solver: no store, HTTP, sweeps, clock or I/O', () => {
    const outside = layer('shared/risk').filter((e) => !inDir('shared/risk')(e) && !inDir('shared/schemas')(e) && e.to !== 'zod' && e.to !== 'highs');
    expect(outside).toEqual([]);
  });

  it('the schemas import only themselves, zod, and from the risk core the profile schema and the tier list', () => {
    const allowed = new Set(['shared/risk/profile-schema.ts', 'shared/risk/built-in-profiles.ts', 'shared/risk/tiers.ts']);
    expect(layer('shared/schemas').filter((e) => !inDir('shared/schemas')(e) && e.to !== 'zod' && !allowed.has(e.to))).toEqual([]);
  });

  it('the engine (validate, then assess) imports only the risk core, the schemas and ids', () => {
    const edges = importsOf('shared/engine.ts');
    expect(edges.some((e) => e.to === 'shared/risk/assess.ts')).toBe(true);
    expect(edges.filter((e) => !inDir('shared/risk')(e) && !inDir('shared/schemas')(e) && e.to !== 'shared/ids.ts')).toEqual([]);
  });

  it('the pure layers (liquidations, replay, backtest) reach no store, sweeps, webhooks, HTTP or I/O', () => {
    for (const dir of ['shared/liquidations', 'shared/replay', 'shared/backtest']) {
      const edges = layer(dir);
      expect(edges.filter((e) => /^shared\/(store|sweeps|webhooks)\//.test(e.to) || IO.test(e.to) || /^(hono|@hono|@aws-sdk)/.test(e.to)), dir).toEqual([]);
    }
    // The backtest reads candles and draws its chart with the replay's loader and chart.
    expect(layer('shared/liquidations').filter((e) => /^shared\/(replay|backtest)\//.test(e.to))).toEqual([]);
    expect(layer('shared/replay').filter((e) => inDir('shared/backtest')(e))).toEqual([]);
  });

  it("the desk's page reaches the service over HTTP only: itself, the generated client types, its browser packages", () => {
    const edges = layer('desk/src');
    expect(edges.length).toBeGreaterThan(20);
    const allowed = (e: Edge) =>
      inDir('desk/src')(e) || e.to === 'openapi/client/schema.d.ts' || e.to === 'examples/tier1-perpetuals.json' || /^(preact|htm|uplot|openapi-fetch)(\/|$)/.test(e.to);
    expect(edges.filter((e) => !allowed(e))).toEqual([]);
  });

  it('sweeps and webhooks never import the entry points, and webhooks do not run sweeps', () => {
    expect(layer('shared/webhooks').filter((e) => inDir('shared/sweeps')(e))).toEqual([]);
  });
});
