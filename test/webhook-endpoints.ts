import { expect } from 'vitest';
import { newId } from '../shared/ids.ts';
import type { Stores } from '../shared/store/index.ts';
import { newWebhookSecret } from '../shared/webhooks/signing.ts';

/**
 * Stores an enabled webhook endpoint of `tenantId` at `url`, subscribed to `market.stale`,
 * with one fresh secret, as POST /v1/webhook-endpoints would (the cap of 16 a tenant).
 */
export async function createMarketStaleEndpoint(stores: Stores, tenantId: string, url: string): Promise<void> {
  const now = new Date().toISOString();
  const made = await stores.webhookEndpoints.create(
    tenantId,
    {
      endpointId: newId('we'),
      url,
      events: ['market.stale'],
      description: null,
      enabled: true,
      disabledReason: null,
      secrets: [{ secret: newWebhookSecret(), expiresAt: null }],
      createdAt: now,
      updatedAt: now,
      version: 1,
    },
    16,
  );
  expect(made).toBe('created');
}
