import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { createDynamoClient } from '../../shared/store/client.ts';
import { createStores } from '../../shared/store/index.ts';
import { tableNames } from '../../shared/store/tables.ts';
import { allowInsecureLocalFromEnv } from '../../shared/webhooks/address-policy.ts';
import { createApp } from './app.ts';

// Built once per container, reused across invocations.
const stores = createStores(createDynamoClient(), tableNames(process.env['SOFTLAND_TABLE_PREFIX'] ?? 'softland-'));
const app = createApp({ stores, allowInsecureWebhooks: allowInsecureLocalFromEnv() });

/** API Gateway → Hono. middy carries Lambda-level concerns only (the app handles HTTP). */
export const handler = middy(handle(app));
