import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll } from 'vitest';
import { standIn } from './local-server.ts';

/**
 * A real webhook receiver on loopback that verifies every delivery with the
 * standardwebhooks library, against the secret registered for its path.
 */
export interface VerifyingReceiver<E extends { type: string }> {
  /** http://127.0.0.1:<port>: register endpoints at `url + path`. */
  readonly url: string;
  /** The endpoint secret (whsec_…) for each path; set it before events arrive. */
  readonly secrets: Map<string, string>;
  /** Deliveries that failed verification, as `path: error`. */
  readonly unverified: string[];
  /** The `nth` verified event of `type` at `path` (waits up to 10 s for the dispatcher). */
  eventAt(path: string, type: string, nth?: number): Promise<E>;
  close(): Promise<void>;
}

export async function startVerifyingReceiver<E extends { type: string }>(): Promise<VerifyingReceiver<E>> {
  const delivered = new Map<string, E[]>();
  const secrets = new Map<string, string>();
  const unverified: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url!;
      try {
        const event = new Webhook(secrets.get(path)!).verify(body, req.headers as Record<string, string>) as E;
        delivered.set(path, [...(delivered.get(path) ?? []), event]);
      } catch (error) {
        unverified.push(`${path}: ${String(error)}`);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    unverified,
    async eventAt(path, type, nth = 1) {
      for (let i = 0; i < 200; i++) {
        const found = (delivered.get(path) ?? []).filter((e) => e.type === type);
        if (found.length >= nth) return found[nth - 1]!;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${type} delivered to ${path} (received: ${(delivered.get(path) ?? []).map((e) => e.type).join(', ')}; unverified: ${unverified.join('; ')})`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A verifying receiver for the tests of a file (or of the describe block it is called in):
 * started before them, closed after them; the returned receiver stands for it from its
 * first hook on.
 */
export function useVerifyingReceiver<E extends { type: string }>(): VerifyingReceiver<E> {
  let started: VerifyingReceiver<E> | undefined;
  beforeAll(async () => {
    started = await startVerifyingReceiver<E>();
  });
  afterAll(async () => {
    await started?.close();
  });
  return standIn(() => {
    if (!started) throw new Error('the verifying receiver is not started yet: use it in a test or a hook');
    return started;
  });
}
