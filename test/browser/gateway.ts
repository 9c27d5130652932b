/**
 * globalSetup of the browser project (Node): the real gateway under `wrangler dev` on a free
 * loopback port with fresh local state, plus the local merchant server. Tests reach both over
 * HTTP, as a payer's browser and a merchant's server would.
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { prepareState, startGateway } from '../gateway-process';
import { startMerchantServer } from '../merchant-server';
import { unpackBrowser } from './browser';

declare module 'vitest' {
  interface ProvidedContext {
    gatewayUrl: string;
    adminToken: string;
    merchantPort: number;
  }
}

export const ADMIN_TOKEN = 'browser-admin-token';

export default async function setup(project: TestProject) {
  await unpackBrowser();
  const merchant = await startMerchantServer();
  const { state, envFile } = prepareState('huipay-browser-', {
    ADMIN_TOKEN,
    MASTER_KEY: 'browser-master-key-not-a-secret',
    NOTIFY_SCHEDULE_SECONDS: '1,1',
  });
  const gateway = await startGateway({ state, envFile });
  project.provide('gatewayUrl', gateway.url);
  project.provide('adminToken', ADMIN_TOKEN);
  project.provide('merchantPort', merchant.port);
  return async () => {
    await gateway.stop();
    await merchant.stop();
    rmSync(state, { recursive: true, force: true });
  };
}
