import type { LookupFunction } from 'node:net';
import type { Stores } from '../store/index.ts';
import { deliveryIdOf, type Delivery } from '../store/deliveries.ts';
import { CLOSED_CIRCUIT, type WebhookEndpoint } from '../store/webhook-endpoints.ts';
import { nextAttemptAt } from './backoff.ts';
import { DEFAULT_DELIVERY_TIMEOUT_MS, deliverWebhook } from './deliver.ts';
import { webhookPayload } from './payload.ts';
import { webhookHeaders } from './signing.ts';

/** Options of the dispatcher; the defaults are production's. */
export interface DispatcherOptions {
  /** Development only: http and loopback targets (SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL=1). Default false. */
  readonly allowInsecureLocal?: boolean;
  /** Budget of one attempt. Default 15 s. */
  readonly timeoutMs?: number;
  /** Deliveries attempted per run. Default 50. */
  readonly batch?: number;
  /** Jitter source. Default Math.random. */
  readonly random?: () => number;
  /** The delivery itself; tests wrap it to simulate a crash. Default deliverWebhook. */
  readonly deliver?: typeof deliverWebhook;
  /** DNS for deliveries (tests). Default dns.lookup. */
  readonly lookup?: LookupFunction;
  /** No attempt starts that could run past this moment (a Lambda's deadline). Default none. */
  readonly deadline?: Date;
  /** Attempts in flight at once, across tenants. Default 16. */
  readonly concurrency?: number;
  /** Attempts in flight at once for one tenant, so one tenant's stalled receivers cannot hold the others'. Default 4. */
  readonly perTenant?: number;
}

export interface DispatchCounts {
  fannedOut: number;
  attempted: number;
  delivered: number;
  retried: number;
  failed: number;
  /** Due deliveries left for a later run: their endpoint's circuit is open, or it stalled in this run. */
  deferred: number;
}

/** Extra time a claim holds beyond the attempt's own budget. */
const LEASE_MARGIN_MS = 15_000;

/**
 * One dispatcher run: fan pending outbox events out to the subscribed endpoints (one
 * delivery each, idempotent), then attempt the deliveries that are due. Runs may
 * overlap or die at any point: deliveries are claimed with a lease, and a delivery
 * whose attempt was cut short is attempted again, with the same webhook-id.
 */
export async function dispatchOnce(stores: Stores, now: Date, options: DispatcherOptions = {}): Promise<DispatchCounts> {
  const counts: DispatchCounts = { fannedOut: 0, attempted: 0, delivered: 0, retried: 0, failed: 0, deferred: 0 };
  counts.fannedOut = await fanOut(stores, now);
  const budget = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  // One queue per endpoint, attempted in order; queues run side by side, at most `perTenant`
  // of one tenant's and `concurrency` in all: a receiver that never answers holds only its
  // own queue and one of its tenant's places, never another tenant's deliveries.
  const queues = new Map<string, Array<{ tenantId: string; deliveryId: string }>>();
  for (const due of await stores.deliveries.due(now, options.batch ?? 50)) {
    const key = `${due.tenantId}\u0000${endpointIdOf(due.deliveryId)}`;
    (queues.get(key) ?? queues.set(key, []).get(key)!).push(due);
  }
  const all = limiter(options.concurrency ?? 16);
  const tenants = new Map<string, Limiter>();
  await Promise.all(
    [...queues.values()].map(async (queue) => {
      const tenant = tenants.get(queue[0]!.tenantId) ?? tenants.set(queue[0]!.tenantId, limiter(options.perTenant ?? 4)).get(queue[0]!.tenantId)!;
      await tenant(() =>
        all(async () => {
          const { tenantId } = queue[0]!;
          const endpointId = endpointIdOf(queue[0]!.deliveryId);
          // An endpoint whose circuit is open waits, and spends none of its deliveries' attempts.
          let circuit = await stores.webhookEndpoints.circuit(tenantId, endpointId);
          const postponeFrom = async (i: number, until: Date) => {
            for (const { deliveryId } of queue.slice(i)) await stores.deliveries.postpone(tenantId, deliveryId, until, now);
            counts.deferred += queue.length - i;
          };
          // Postponed, not just skipped: waiting deliveries must not fill the next runs' batches.
          if (circuit.openUntil !== null && Date.parse(circuit.openUntil) > now.getTime()) return postponeFrom(0, new Date(circuit.openUntil));
          for (const [i, { deliveryId }] of queue.entries()) {
            if (options.deadline && Date.now() + budget > options.deadline.getTime()) return;
            const outcome = await attempt(stores, tenantId, deliveryId, now, options);
            if (!outcome) continue; // another dispatcher holds it
            counts[outcome.kind]++;
            counts.attempted++;
            if (outcome.kind === 'delivered') {
              if (circuit.failures > 0) await stores.webhookEndpoints.recordSuccess(tenantId, endpointId);
              circuit = CLOSED_CIRCUIT;
            } else if (outcome.unreachable) {
              circuit = await stores.webhookEndpoints.recordFailure(tenantId, endpointId, now);
              // A receiver that stalls or cannot be reached would hold this queue's place for
              // every delivery behind it: they wait for the next run.
              if (STALLED.has(outcome.reason!)) return postponeFrom(i + 1, new Date(Math.max(now.getTime() + STALL_PAUSE_MS, Date.parse(circuit.openUntil ?? '0'))));
            }
          }
        }),
      );
    }),
  );
  return counts;
}

/** The endpoint a delivery goes to: its id is `dlv_<event>_<endpoint>`. */
function endpointIdOf(deliveryId: string): string {
  return `we_${deliveryId.slice(deliveryId.lastIndexOf('_') + 1)}`;
}

type Limiter = <T>(job: () => Promise<T>) => Promise<T>;

/** Runs jobs with at most `n` at once, in the order they ask. */
function limiter(n: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Creates the deliveries of pending events, then takes the events off the dispatch index. */
export async function fanOut(stores: Stores, now: Date): Promise<number> {
  let created = 0;
  const endpointsOf = new Map<string, WebhookEndpoint[]>();
  for (const { tenantId, event } of await stores.events.pending(100)) {
    let endpoints = endpointsOf.get(tenantId);
    if (!endpoints) endpointsOf.set(tenantId, (endpoints = await stores.webhookEndpoints.list(tenantId)));
    for (const endpoint of endpoints) {
      if (!endpoint.enabled || !endpoint.events.includes(event.type)) continue;
      const made = await stores.deliveries.create(
        tenantId,
        { deliveryId: deliveryIdOf(event.eventId, endpoint.endpointId), endpointId: endpoint.endpointId, eventId: event.eventId, eventType: event.type },
        now,
      );
      if (made) created++;
    }
    await stores.events.markDispatched(tenantId, event.eventId);
  }
  return created;
}

/** Retry reasons that count against an endpoint's circuit: it did not take the event, for its own reasons. */
const UNREACHABLE = new Set(['timeout', 'connect_timeout', 'connection_failed', 'dns_failed', 'tls_failed', 'network_error', 'server_error']);
/** Those that cost an attempt its whole budget or most of it. */
const STALLED = new Set(['timeout', 'connect_timeout']);
/** How long the deliveries behind a stalled one wait (at least; longer while the circuit is open). */
const STALL_PAUSE_MS = 60_000;

interface AttemptOutcome {
  readonly kind: 'delivered' | 'retried' | 'failed';
  /** The endpoint failed to take it (see UNREACHABLE), with the delivery's reason. */
  readonly unreachable?: boolean;
  readonly reason?: string;
}

/** One attempt of one delivery, if this run wins its claim. */
async function attempt(stores: Stores, tenantId: string, deliveryId: string, now: Date, options: DispatcherOptions): Promise<AttemptOutcome | undefined> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const delivery = await stores.deliveries.claim(tenantId, deliveryId, now, timeoutMs + LEASE_MARGIN_MS);
  if (!delivery) return undefined;
  const fail = async (error: string, status: number | null = null, reason?: string): Promise<AttemptOutcome> => {
    await stores.deliveries.record(tenantId, deliveryId, { kind: 'failed', status, error });
    return reason !== undefined && UNREACHABLE.has(reason) ? { kind: 'failed', unreachable: true, reason } : { kind: 'failed' };
  };

  const endpoint = await stores.webhookEndpoints.get(tenantId, delivery.endpointId);
  if (!endpoint) return fail('endpoint_deleted');
  if (!endpoint.enabled) return fail('endpoint_disabled');
  const event = await stores.events.get(tenantId, delivery.eventId);
  if (!event) return fail('event_missing');

  const body = webhookPayload(event.type, event.data, new Date(event.createdAt));
  const secrets = endpoint.secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.secret);
  // webhook-id is the event id: the same on every attempt, so receivers can deduplicate.
  const headers = webhookHeaders({ id: event.eventId, timestamp: Math.floor(now.getTime() / 1000), body, secrets });
  const result = await (options.deliver ?? deliverWebhook)(
    { url: endpoint.url, headers: { ...headers }, body },
    { timeoutMs, allowInsecureLocal: options.allowInsecureLocal ?? false, ...(options.lookup ? { lookup: options.lookup } : {}) },
  );

  switch (result.outcome) {
    case 'delivered':
      await stores.deliveries.record(tenantId, deliveryId, { kind: 'delivered', status: result.status, at: now });
      return { kind: 'delivered' };
    case 'gone':
      // 410: the receiver asked us to stop; disable the endpoint so nothing else is sent.
      await disable(stores, tenantId, endpoint, 'the endpoint answered 410 Gone', now);
      return fail('gone', 410);
    case 'refused':
      return fail(`refused: ${result.reason}`);
    case 'retry': {
      const next = nextAttemptAt(delivery.attempts, firstAttempt(delivery, now), now, options.random ?? Math.random, result.retryAfterMs);
      if (!next) return fail(`gave up after ${delivery.attempts} attempts: ${result.reason}`, result.status ?? null, result.reason);
      await stores.deliveries.record(tenantId, deliveryId, { kind: 'retry', status: result.status ?? null, error: result.reason, nextAttemptAt: next });
      return { kind: 'retried', unreachable: UNREACHABLE.has(result.reason), reason: result.reason };
    }
  }
}

function firstAttempt(d: Delivery, now: Date): Date {
  return d.firstAttemptAt ? new Date(d.firstAttemptAt) : now;
}

async function disable(stores: Stores, tenantId: string, endpoint: WebhookEndpoint, reason: string, now: Date): Promise<void> {
  await stores.webhookEndpoints.save(tenantId, { ...endpoint, enabled: false, disabledReason: reason, updatedAt: now.toISOString(), version: endpoint.version + 1 });
}
