import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { tableNames } from '../../shared/store/tables.ts';
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
});
