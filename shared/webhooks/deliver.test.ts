import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTcpServer, isIPv6, type AddressInfo, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverWebhook, MAX_RESPONSE_BODY_BYTES } from './deliver.ts';
import { webhookPayload } from './payload.ts';
import { newWebhookSecret, webhookHeaders } from './signing.ts';

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Receiver {
  readonly port: number;
  /** http://127.0.0.1:port */
  readonly origin: string;
  readonly received: Received[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A real HTTP receiver on 127.0.0.1 (random port) that answers with `respond`. */
async function receiver(respond: (res: ServerResponse, req: IncomingMessage) => void): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      respond(res, req);
    });
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return Object.assign(state, { port, origin: `http://127.0.0.1:${port}`, received });
}

/** A bare TCP listener on 127.0.0.1 that only counts the connections made to it. */
async function tcpCounter(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** An injected resolver answering `addresses` for every name, recording the names asked. */
function fakeDns(addresses: readonly string[], asked: string[] = []): LookupFunction {
  return (hostname, options, callback) => {
    asked.push(hostname);
    const list = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
    setImmediate(() => (options.all ? callback(null, list) : callback(null, list[0]!.address, list[0]!.family)));
  };
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl), or undefined without openssl. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'softland-webhooks-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function signedRequest(url: string, secrets: readonly string[], id = 'msg_test1', timestamp = nowSeconds()) {
  const body = webhookPayload('account.tier_changed', { accountId: 'acct-42', from: 'healthy', to: 'tier1' }, new Date());
  return { url, body, headers: webhookHeaders({ id, timestamp, body, secrets }) };
}

const local = { allowInsecureLocal: true } as const;

describe('deliverWebhook against a real receiver', () => {
  it('delivers a signed POST that the standardwebhooks library verifies, with both secrets during a rotation', async () => {
    const target = await receiver((res) => res.writeHead(200).end('ok'));
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const request = signedRequest(`${target.origin}/hooks/softland?v=1`, [newSecret, oldSecret]);

    expect(await deliverWebhook(request, local)).toEqual({ outcome: 'delivered', status: 200 });

    expect(target.received).toHaveLength(1);
    const got = target.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hooks/softland?v=1');
    expect(got.body).toBe(request.body);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe('Softland-Webhooks/1');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(request.body)));
    const headers = got.headers as Record<string, string>;
    for (const secret of [oldSecret, newSecret]) {
      expect(new Webhook(secret).verify(got.body, headers)).toMatchObject({
        type: 'account.tier_changed',
        data: { accountId: 'acct-42', from: 'healthy', to: 'tier1' },
      });
    }
    expect(() => new Webhook(newWebhookSecret()).verify(got.body, headers)).toThrow();
  });

  it('keeps the webhook-id across retries while the timestamp and signature move on', async () => {
    let calls = 0;
    const target = await receiver((res) => res.writeHead(calls++ === 0 ? 500 : 204).end());
    const secret = newWebhookSecret();
    const t = nowSeconds();
    expect(await deliverWebhook(signedRequest(target.origin, [secret], 'msg_stable', t), local)).toMatchObject({
      outcome: 'retry',
      status: 500,
    });
    expect(await deliverWebhook(signedRequest(target.origin, [secret], 'msg_stable', t + 5), local)).toEqual({
      outcome: 'delivered',
      status: 204,
    });
    const [first, second] = target.received;
    expect(first!.headers['webhook-id']).toBe('msg_stable');
    expect(second!.headers['webhook-id']).toBe('msg_stable');
    expect(Number(second!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp'])).toBe(5);
    expect(() => new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>)).not.toThrow();
  });

  it('treats a 500 as a retry', async () => {
    const target = await receiver((res) => res.writeHead(500).end('boom'));
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), local)).toEqual({
      outcome: 'retry',
      status: 500,
      reason: 'server_error',
    });
  });

  it('treats a 429 as a retry and reads Retry-After in seconds', async () => {
    const target = await receiver((res) => res.writeHead(429, { 'retry-after': '7' }).end());
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), local)).toEqual({
      outcome: 'retry',
      status: 429,
      reason: 'rate_limited',
      retryAfterMs: 7000,
    });
  });

  it('reads Retry-After as an HTTP date', async () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const target = await receiver((res) => res.writeHead(503, { 'retry-after': 'Mon, 23 Nov 2026 12:02:00 GMT' }).end());
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), { ...local, now: () => now })).toEqual({
      outcome: 'retry',
      status: 503,
      reason: 'server_error',
      retryAfterMs: 120_000,
    });
  });

  it('treats other 4xx as a retry', async () => {
    const target = await receiver((res) => res.writeHead(400).end());
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), local)).toEqual({
      outcome: 'retry',
      status: 400,
      reason: 'client_error',
    });
  });

  it('reports a 410 as gone', async () => {
    const target = await receiver((res) => res.writeHead(410).end());
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), local)).toEqual({
      outcome: 'gone',
      status: 410,
    });
  });

  it('never follows a redirect', async () => {
    const elsewhere = await receiver((res) => res.writeHead(200).end());
    const target = await receiver((res) => res.writeHead(302, { location: `${elsewhere.origin}/stolen` }).end());
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), local)).toEqual({
      outcome: 'retry',
      status: 302,
      reason: 'redirect',
    });
    expect(target.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    expect(elsewhere.connections).toBe(0);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const target = await receiver(() => {
      /* never answers */
    });
    const started = performance.now();
    const result = await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), { ...local, timeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ outcome: 'retry', reason: 'timeout' });
    expect(result).not.toHaveProperty('status');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  it('gives up sooner on a receiver that accepts and never answers: the first-byte budget', async () => {
    const target = await receiver(() => {
      /* never answers */
    });
    const started = performance.now();
    const result = await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), { ...local, timeoutMs: 5000, firstByteTimeoutMs: 250 });
    expect(result).toMatchObject({ outcome: 'retry', reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('gives up on a receiver it cannot reach within the connect budget (here a DNS that never answers)', async () => {
    const started = performance.now();
    const result = await deliverWebhook(signedRequest('http://hooks.example.test', [newWebhookSecret()]), {
      ...local,
      lookup: (() => {}) as LookupFunction,
      timeoutMs: 5000,
      connectTimeoutMs: 250,
    });
    expect(result).toMatchObject({ outcome: 'retry', reason: 'connect_timeout' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('lets the status decide when the body trickles past the timeout', async () => {
    const target = await receiver((res) => {
      res.writeHead(200);
      res.write('still');
    });
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), { ...local, timeoutMs: 300 })).toEqual({
      outcome: 'delivered',
      status: 200,
    });
  });

  it('stops reading a large response body at the limit', async () => {
    // 1 MiB, then the body is never finished: only the limit ends the read early.
    const target = await receiver((res) => {
      res.writeHead(500);
      res.write(Buffer.alloc(16 * MAX_RESPONSE_BODY_BYTES, 'x'));
    });
    const started = performance.now();
    const result = await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]), { ...local, timeoutMs: 5000 });
    expect(result).toEqual({ outcome: 'retry', status: 500, reason: 'server_error' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports a refused connection as a retry', async () => {
    const closed = await tcpCounter();
    const port = closed.port;
    await closers.pop()!(); // nothing listens there any more
    expect(await deliverWebhook(signedRequest(`http://127.0.0.1:${port}/`, [newWebhookSecret()]), local)).toMatchObject({
      outcome: 'retry',
      reason: 'connection_failed',
    });
  });

  it('reports a name that does not resolve as a retry', async () => {
    const nxdomain: LookupFunction = (hostname, _options, callback) =>
      setImmediate(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), ''));
    expect(
      await deliverWebhook(signedRequest('https://nowhere.example.test/', [newWebhookSecret()]), { lookup: nxdomain }),
    ).toMatchObject({ outcome: 'retry', reason: 'dns_failed' });
  });

  it('resolves names with the system resolver by default', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    expect(await deliverWebhook(signedRequest(`http://localhost:${target.port}/`, [newWebhookSecret()]), local)).toEqual({
      outcome: 'delivered',
      status: 200,
    });
  });
});

describe('deliverWebhook over https', () => {
  const certificate = selfSignedCertificate();

  it.skipIf(certificate === undefined)('verifies the certificate: a self-signed one fails the attempt', async () => {
    let requests = 0;
    const server = createTlsServer(certificate!, (_req, res) => {
      requests++;
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await deliverWebhook(signedRequest(url, [newWebhookSecret()]), local)).toMatchObject({
      outcome: 'retry',
      reason: 'tls_failed',
      detail: expect.stringMatching(/self.signed/i),
    });
    expect(requests).toBe(0);
  });
});

describe('deliverWebhook target policy (SSRF)', () => {
  it('refuses http:// without allowInsecureLocal, before connecting', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    expect(await deliverWebhook(signedRequest(target.origin, [newWebhookSecret()]))).toMatchObject({
      outcome: 'refused',
      reason: 'scheme_not_allowed',
    });
    expect(target.connections).toBe(0);
  });

  const literals = [
    'https://127.0.0.1/',
    'https://[::1]/',
    'https://169.254.169.254/',
    'https://10.1.2.3/',
    'https://[::ffff:127.0.0.1]/',
  ];
  it.each(literals)('refuses %s without resolving or connecting', async (url) => {
    const asked: string[] = [];
    const result = await deliverWebhook(signedRequest(url, [newWebhookSecret()]), { lookup: fakeDns(['127.0.0.1'], asked) });
    expect(result).toMatchObject({ outcome: 'refused', reason: 'forbidden_address' });
    expect(asked).toEqual([]);
  });

  it('refuses, at connect time, a name that resolves to loopback', async () => {
    const listener = await tcpCounter();
    const asked: string[] = [];
    const url = `https://hooks.example.test:${listener.port}/`;
    const result = await deliverWebhook(signedRequest(url, [newWebhookSecret()]), { lookup: fakeDns(['127.0.0.1'], asked) });
    expect(result).toMatchObject({ outcome: 'refused', reason: 'forbidden_address' });
    expect(result).toHaveProperty('detail', expect.stringContaining('127.0.0.1'));
    expect(asked).toEqual(['hooks.example.test']);
    expect(listener.connections()).toBe(0);
  });

  it.each([['169.254.169.254'], ['10.1.2.3'], ['fd00:ec2::254'], ['192.168.0.10']])(
    'refuses, at connect time, a name that resolves to %s',
    async (address) => {
      const asked: string[] = [];
      const result = await deliverWebhook(signedRequest('https://hooks.example.test/', [newWebhookSecret()]), {
        lookup: fakeDns([address], asked),
      });
      expect(result).toMatchObject({ outcome: 'refused', reason: 'forbidden_address' });
      expect(asked).toEqual(['hooks.example.test']);
    },
  );

  it('with allowInsecureLocal, reaches a name resolving to loopback', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    const asked: string[] = [];
    const result = await deliverWebhook(signedRequest(`http://receiver.test:${target.port}/`, [newWebhookSecret()]), {
      ...local,
      lookup: fakeDns(['127.0.0.1'], asked),
    });
    expect(result).toEqual({ outcome: 'delivered', status: 200 });
    expect(asked).toEqual(['receiver.test']);
    expect(target.received[0]!.headers.host).toBe(`receiver.test:${target.port}`);
  });

  it.each([['169.254.169.254'], ['10.1.2.3'], ['fd00:ec2::254']])(
    'with allowInsecureLocal, still refuses a name resolving to %s, even next to loopback',
    async (address) => {
      const target = await receiver((res) => res.writeHead(200).end());
      const result = await deliverWebhook(signedRequest(`http://receiver.test:${target.port}/`, [newWebhookSecret()]), {
        ...local,
        lookup: fakeDns(['127.0.0.1', address]),
      });
      expect(result).toMatchObject({ outcome: 'refused', reason: 'forbidden_address' });
      expect(target.connections).toBe(0);
    },
  );

  it.each(['http://169.254.169.254/', 'http://10.1.2.3/', 'http://[fd00:ec2::254]/'])(
    'with allowInsecureLocal, still refuses %s',
    async (url) => {
      expect(await deliverWebhook(signedRequest(url, [newWebhookSecret()]), local)).toMatchObject({
        outcome: 'refused',
        reason: 'forbidden_address',
      });
    },
  );

  it('checks every connection: a name that rebinds to the metadata address is caught', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    const answers = [['127.0.0.1'], ['169.254.169.254']];
    const rebinding: LookupFunction = (hostname, options, callback) =>
      fakeDns(answers.shift() ?? ['169.254.169.254'])(hostname, options, callback);
    const request = signedRequest(`http://rebind.test:${target.port}/`, [newWebhookSecret()]);
    expect(await deliverWebhook(request, { ...local, lookup: rebinding })).toEqual({ outcome: 'delivered', status: 200 });
    expect(await deliverWebhook(request, { ...local, lookup: rebinding })).toMatchObject({
      outcome: 'refused',
      reason: 'forbidden_address',
    });
    expect(target.received).toHaveLength(1);
  });

  it('refuses URLs with credentials', async () => {
    expect(await deliverWebhook(signedRequest('https://user:pw@example.com/', [newWebhookSecret()]))).toMatchObject({
      outcome: 'refused',
      reason: 'credentials_in_url',
    });
  });
});
