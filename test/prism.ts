/**
 * Stoplight Prism's validating proxy in front of a real server, for conformance tests.
 *
 * `prism proxy DOCUMENT UPSTREAM --errors false` forwards every request to UPSTREAM (even one
 * that breaks the document) and answers what UPSTREAM answered, adding an `sl-violations`
 * header (a JSON array of {@link PrismViolation}) when the request or the response breaks the
 * document. With `--errors false` nothing is rewritten: the status and body are the
 * upstream's, so a test can both check the API's behaviour and read Prism's verdict.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

/** One entry of Prism's `sl-violations` header. */
export interface PrismViolation {
  /** `['request', …]` or `['response', …]`, then the path inside it (e.g. `body`, `headers`). */
  readonly location: readonly string[];
  /** `Error`, `Warning`, `Information` or `Hint`. */
  readonly severity: string;
  readonly code?: string | number;
  readonly message: string;
}

export interface PrismProxy {
  /** http://127.0.0.1:<port>: send the requests meant for the upstream here. */
  readonly url: string;
  /** Prism's last log lines (violations are logged at warn/error), for failure messages. */
  logs(): string[];
  stop(): Promise<void>;
}

/** Prism's CLI entry, resolved from the installed @stoplight/prism-cli. */
function prismEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist', 'index.js');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `prism proxy document upstream` on a free loopback port and resolves once a request
 * through it reaches the upstream (`readyPath`, default `/health`). Give `upstream` as an IP
 * (http://127.0.0.1:…): Prism dials whatever `localhost` resolves to first.
 */
export async function startPrismProxy(options: { document: string; upstream: string; readyPath?: string; timeoutMs?: number }): Promise<PrismProxy> {
  const entry = prismEntry();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const lines: string[] = [];
    const child = spawn(
      process.execPath,
      [entry, 'proxy', options.document, options.upstream, '--port', String(port), '--host', '127.0.0.1', '--errors', 'false', '-v', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
    );
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
      if (lines.length > 500) lines.splice(0, lines.length - 500);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    try {
      await ready(child, url + (options.readyPath ?? '/health'), options.timeoutMs ?? 20_000, lines);
      return { url, logs: () => [...lines], stop: () => stop(child) };
    } catch (error) {
      lastError = error;
      await stop(child);
    }
  }
  throw lastError;
}

async function ready(child: ChildProcess, probe: string, timeoutMs: number, lines: string[]): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `prism exited (${code ?? signal}) before it listened:\n${lines.join('\n')}`));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (exited) throw new Error(exited);
    try {
      const res = await fetch(probe);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prism did not answer ${probe} within ${timeoutMs} ms:\n${lines.join('\n')}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The violations of one answer, from its `sl-violations` header. Prism cuts a header longer
 * than ~8 KB and prefixes it with `Too many violations!`: that comes back as one violation
 * located at the side(s) the truncated text mentions.
 */
export function violationsOf(headers: Headers): PrismViolation[] {
  const raw = headers.get('sl-violations');
  if (!raw) return [];
  try {
    return JSON.parse(raw) as PrismViolation[];
  } catch {
    const sides = ['request', 'response'].filter((side) => raw.includes(`"location":["${side}"`));
    return (sides.length ? sides : ['response']).map((side) => ({ location: [side], severity: 'Error', message: `unparsable sl-violations header: ${raw.slice(0, 2_000)}` }));
  }
}
