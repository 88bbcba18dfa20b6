/**
 * docs/quickstart.md, followed end to end: its ```sh blocks run in order, as written, in one
 * bash session (as a reader runs them in one terminal), against a local server started the
 * way the page's first command starts one — `--tenant acme` is the same function,
 * `tenantWithFreshKey` — with http://127.0.0.1 webhook targets allowed, as
 * SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL=1 does (and webhooks dispatched every 250 ms
 * rather than every second, with no minute sweep: the page's waits rely on neither).
 *
 * Every ```sh block is a step, except one right after an HTML comment `<!-- skip: why -->`
 * (starting the server, pasting its export line: the test does both itself). The session
 * runs with `set -euo pipefail`, so a failing command fails its step; the steps' outputs
 * are then checked against what the page says they print.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantWithFreshKey } from '../../functions/local/named-tenant.ts';
import { useTestServer } from '../local-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = readFileSync(new URL('../../docs/quickstart.md', import.meta.url), 'utf8');

/** The page's ```sh blocks, in order, each with whether it is skipped. */
function shellBlocks(markdown: string): Array<{ code: string; skipped: boolean; line: number }> {
  const blocks: Array<{ code: string; skipped: boolean; line: number }> = [];
  const pattern = /(<!--\s*skip:[^>]*-->\s*\n)?```sh\n([\s\S]*?)```/g;
  for (let m = pattern.exec(markdown); m; m = pattern.exec(markdown)) {
    blocks.push({ code: m[2]!, skipped: m[1] !== undefined, line: markdown.slice(0, m.index + (m[1]?.length ?? 0)).split('\n').length });
  }
  return blocks;
}

const MARK = '@@quickstart-step';

/** One bash session: the steps in order, each announced on stdout; background jobs (the receiver) killed at the end whatever happens. */
function session(steps: readonly string[]): string {
  const lines = ['set -euo pipefail', `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT`];
  steps.forEach((code, k) => {
    lines.push(`echo "${MARK} ${k}"`, code);
  });
  lines.push(`echo "${MARK} done"`);
  return lines.join('\n');
}

function runBash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const { server } = useTestServer('qs', { allowInsecureWebhooks: true, dispatchIntervalMs: 250 });
let acmeKey: string;

beforeAll(async () => {
  acmeKey = (await tenantWithFreshKey(server.stores, 'acme')).apiKey;
});

describe('docs/quickstart.md', () => {
  const blocks = shellBlocks(PAGE);
  const steps = blocks.filter((b) => !b.skipped);

  it('skips only starting the server and pasting its export line', () => {
    expect(blocks.filter((b) => b.skipped).map((b) => b.code.trim().split('\n')[0])).toEqual([
      'npm ci && npm start -- --data .softland --tenant acme',
      'export SOFTLAND_URL=http://localhost:3000 SOFTLAND_KEY=sk_…   # the key printed for acme',
    ]);
    expect(steps.length).toBeGreaterThanOrEqual(10);
  });

  it('runs as written, every step succeeding, and prints what the page says', async () => {
    const env = { ...process.env, SOFTLAND_URL: server.url, SOFTLAND_KEY: acmeKey };
    const result = await runBash(session(steps.map((s) => s.code)), env, 120_000);
    // The output of each step, by the marks the session printed.
    const outputs = new Map<string, string>();
    const parts = result.stdout.split(new RegExp(`^${MARK} `, 'm')).slice(1);
    for (const part of parts) outputs.set(part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1));
    const reached = parts.length === 0 ? undefined : parts[parts.length - 1]!.split('\n')[0]!;
    const failed = reached === 'done' ? undefined : steps[Number(reached)];
    expect(
      { code: result.code, reached },
      failed ? `the step at docs/quickstart.md:${failed.line} failed (exit ${result.code}):\n${failed.code}\n--- the session's output:\n${result.stdout}\n--- stderr:\n${result.stderr}` : result.stderr,
    ).toEqual({ code: 0, reached: 'done' });

    const all = [...outputs.values()].join('');
    // 1. The key works; a fresh tenant has no accounts.
    expect(all).toContain('list: 0 accounts\n');
    // 3. Registrations and their tiers.
    expect(all).toMatch(/^acct-7 warning\nacct-std healthy\nacct-btc healthy\n/m);
    // 4. The listing, and the registered account's full assessment.
    expect(all).toMatch(/^acct-7 default warning 1\.250\nacct-btc default healthy \d+\.\d{3}\nacct-std standard healthy 20\.000\n/m);
    expect(all).toContain('assessment warning 6000 4800 1.25 liquidation below 2884.62\n');
    // 5. The receiver, the endpoint, the test event and its signature.
    expect(all).toMatch(/^receiver at http:\/\/127\.0\.0\.1:\d+\/softland\n/m);
    expect(all).toMatch(/^endpoint we_\w+\n/m);
    expect(all).toContain('queued webhook.test\n');
    expect(all).toContain('verified webhook.test\n');
    // 6. The price push, the tier change and the liquidation it opened, signed.
    expect(all).toMatch(/^re-assessing ETH in swp_\w+\n/m);
    expect(all).toContain('verified account.tier_changed acct-7\n');
    expect(all).toContain('verified liquidation.opened acct-7\n');
    expect(all).not.toContain('BAD SIGNATURE');
    expect(all).toContain('acct-7 open sell 0.5458 of eth\n');
    expect(all).toMatch(/^tier1 liq_\w+\n/m);
    // 7. The Binance-style ratio under both profiles.
    expect(all).toContain('acct-7 (default): marginRatio 1.042, MM / equity 96.00%\nacct-std (standard): marginRatio 16.667, MM / equity 6.00%\n');
  }, 150_000);
});
