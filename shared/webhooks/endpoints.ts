import { eventId, newId } from '../ids.ts';
import { deliveryIdOf } from '../store/deliveries.ts';
import type { OutboxEvent } from '../store/events.ts';
import type { Stores } from '../store/index.ts';
import type { SigningSecret, WebhookEndpoint } from '../store/webhook-endpoints.ts';
import { newWebhookSecret } from './signing.ts';

/**
 * The rules of a tenant's webhook endpoints: how one is built and changed, how its signing
 * secret rotates, and the test event. URLs come in already checked (checkWebhookUrl).
 */

/**
 * Endpoints a tenant may register: every event fans out to each of them, so an unbounded
 * number would multiply one tenant's deliveries (and outbound requests) without limit.
 */
export const MAX_WEBHOOK_ENDPOINTS = 16;

/** What registers an endpoint. */
export interface EndpointRegistration {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | undefined;
}

/** What a change may set; a field left undefined is kept. */
export interface EndpointChanges {
  readonly url?: string | undefined;
  readonly events?: readonly string[] | undefined;
  /** null removes the note. */
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | undefined;
}

/** An endpoint with its fresh signing secret, shown once: in the answer that created it. */
export interface WithSecret {
  readonly endpoint: WebhookEndpoint;
  readonly secret: string;
}

/** A new endpoint, enabled, signing with one fresh secret. */
export function newEndpoint(registration: EndpointRegistration, now: Date): WithSecret {
  const at = now.toISOString();
  const secret = newWebhookSecret();
  const endpoint: WebhookEndpoint = {
    endpointId: newId('we'),
    url: registration.url,
    events: registration.events,
    description: registration.description ?? null,
    enabled: true,
    disabledReason: null,
    secrets: [{ secret, expiresAt: null }],
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  return { endpoint, secret };
}

/** The endpoint with `changes` applied: enabling it again clears why Softland disabled it. */
export function changedEndpoint(endpoint: WebhookEndpoint, changes: EndpointChanges, now: Date): WebhookEndpoint {
  return {
    ...endpoint,
    ...(changes.url !== undefined ? { url: changes.url } : {}),
    ...(changes.events !== undefined ? { events: changes.events } : {}),
    ...(changes.description !== undefined ? { description: changes.description } : {}),
    ...(changes.enabled !== undefined ? { enabled: changes.enabled, disabledReason: changes.enabled ? null : endpoint.disabledReason } : {}),
    updatedAt: now.toISOString(),
    version: endpoint.version + 1,
  };
}

/** The endpoint signing with a fresh secret, the current one kept beside it for `graceSeconds` (none when 0). */
export function rotatedSecret(endpoint: WebhookEndpoint, graceSeconds: number, now: Date): WithSecret {
  const secret = newWebhookSecret();
  const secrets = rotatedSecrets(endpoint.secrets, secret, now.getTime(), graceSeconds);
  return { endpoint: { ...endpoint, secrets, updatedAt: now.toISOString(), version: endpoint.version + 1 }, secret };
}

/**
 * The secrets after a rotation: the new one, and the current one until its grace ends.
 * Older ones are dropped, even inside their grace: every kept secret adds a signature to
 * every delivery, so keeping all of them grew the header without bound.
 */
function rotatedSecrets(secrets: readonly SigningSecret[], secret: string, now: number, graceSeconds: number): SigningSecret[] {
  const current = secrets.find((s) => s.expiresAt === null);
  const previous = current && graceSeconds > 0 ? [{ secret: current.secret, expiresAt: new Date(now + graceSeconds * 1000).toISOString() }] : [];
  return [{ secret, expiresAt: null }, ...previous];
}

/** `webhook.test`: addressed to one endpoint, one per request (`requestId`). */
export function testEvent(tenantId: string, endpointId: string, requestId: string, now: Date): OutboxEvent {
  return {
    eventId: eventId(tenantId, endpointId, 'webhook.test', now.toISOString(), requestId),
    type: 'webhook.test',
    createdAt: now.toISOString(),
    data: { endpointId },
  };
}

/**
 * Queues a test event for this endpoint alone: the event is kept off the fan-out to the
 * tenant's other endpoints, and its one delivery is due now. Answers the delivery's id.
 */
export async function queueTestEvent(stores: Stores, tenantId: string, endpointId: string, requestId: string, now: Date): Promise<string> {
  const event = testEvent(tenantId, endpointId, requestId, now);
  await stores.events.put(tenantId, event, { dispatch: false });
  const deliveryId = deliveryIdOf(event.eventId, endpointId);
  await stores.deliveries.create(tenantId, { deliveryId, endpointId, eventId: event.eventId, eventType: event.type }, now);
  return deliveryId;
}
