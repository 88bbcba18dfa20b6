import { connect, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tableNames } from '../../shared/store/tables.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, startDynamoDbLocal } from './dynamodb-local.ts';
import { PortInUseError, startLocalServer } from './server.ts';

const tables = () => tableNames(`local-${randomBytes(4).toString('hex')}-`);

describe('the local server', () => {
  it('says clearly when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = startLocalServer({ port, tables: tables(), dynamoEndpoint: inject('dynamoEndpoint'), sweepIntervalMs: 0, dispatchIntervalMs: 0 });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('keeps a fixed dev key across restarts on the same database', async () => {
    const devApiKey = `sk_${'A'.repeat(43)}`;
    const options = { port: 0, tables: tables(), dynamoEndpoint: inject('dynamoEndpoint'), devApiKey, sweepIntervalMs: 0, dispatchIntervalMs: 0 };
    const first = await startLocalServer(options);
    await first.stop();
    const second = await startLocalServer(options);
    try {
      expect(second).toMatchObject({ apiKey: devApiKey, tenantId: first.tenantId });
      const res = await fetch(`${second.url}/v1/accounts`, { headers: { Authorization: `Bearer ${devApiKey}` } });
      expect(res.status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('cuts off a client that trickles its body, with 408, instead of holding the socket for minutes', async () => {
    const server = await startLocalServer({ port: 0, tables: tables(), dynamoEndpoint: inject('dynamoEndpoint'), sweepIntervalMs: 0, dispatchIntervalMs: 0, requestTimeoutMs: 1_500 });
    try {
      const port = Number(new URL(server.url).port);
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          // Headers promise 100 bytes; one byte arrives, then nothing (a byte every 5 s in the attack).
          socket.write(`POST /v1/assessments HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${server.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
        });
        let received = '';
        socket.on('data', (d) => (received += d.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          resolve(received);
        }, 10_000);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.stop();
    }
  });

  it('refuses a second database on a data directory in use, and takes it over once its owner is gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'softland-data-'));
    const first = await startDynamoDbLocal({ dataDir });
    try {
      await expect(startDynamoDbLocal({ dataDir })).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(startDynamoDbLocal({ dataDir })).rejects.toThrow(/is in use by another Softland server/);
    } finally {
      await first.stop();
    }
    const second = await startDynamoDbLocal({ dataDir });
    await second.stop();
  });

  it('stops DynamoDB Local when its parent is killed with SIGKILL (no handler runs)', async () => {
    const script = `import { startDynamoDbLocal } from ${JSON.stringify(new URL('./dynamodb-local.ts', import.meta.url).pathname)};
const db = await startDynamoDbLocal();
console.log(String(db.process.pid));
setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const javaPid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.once('exit', () => reject(new Error('the parent exited early')));
    });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(javaPid)).toBe(true);
    parent.kill('SIGKILL');
    for (let i = 0; i < 40 && alive(javaPid); i++) await new Promise((r) => setTimeout(r, 250));
    expect(alive(javaPid)).toBe(false);
  }, 30_000);
});
