/**
 * Three test projects:
 * - workers: everything under test/ except test/node and test/browser, inside workerd with real local D1,
 *   Durable Objects and Queues (migrations applied in test/setup.ts);
 * - node: test/node, in Node, against the real gateway under `wrangler dev` that each test starts
 *   (and kills and restarts) itself;
 * - browser: test/browser, in Node, against the real gateway under `wrangler dev`, driven by
 *   headless Chromium through playwright-core.
 */
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  const orderMigrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations/orders'));
  return {
    test: {
      // Two test files at a time: most of the suite waits on timers, queues and child processes.
      maxWorkers: 2,
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                // Two order stores besides DB (SPEC §14.1): merchants spread over all three.
                d1Databases: ['ORDERS_1', 'ORDERS_2'],
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  TEST_ORDER_MIGRATIONS: orderMigrations,
                  ADMIN_TOKEN: 'test-admin-token',
                  MASTER_KEY: 'test-master-key-not-a-secret',
                  // Retries 1 s apart so the 11-attempt schedule runs in seconds; the real default is tested as a pure function.
                  NOTIFY_SCHEDULE_SECONDS: '1,1,1,1,1,1,1,1,1,1',
                  // Provider calls give up after 3 s, so "no answer within the timeout" is tested in seconds.
                  PROVIDER_TIMEOUT_SECONDS: '3',
                  // V免签 monitor hosts: <label>.vmq.test reaches a session (SELF.fetch keeps the URL's host).
                  VMQ_MONITOR_DOMAIN: 'vmq.test',
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            globalSetup: ['./test/merchant-server.ts'],
            setupFiles: ['./test/setup.ts'],
            include: ['test/**/*.test.ts'],
            exclude: ['test/browser/**', 'test/node/**'],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: 'node',
            environment: 'node',
            include: ['test/node/**/*.test.ts'],
            testTimeout: 300_000,
            hookTimeout: 120_000,
          },
        },
        {
          test: {
            name: 'browser',
            environment: 'node',
            globalSetup: ['./test/browser/gateway.ts'],
            include: ['test/browser/**/*.test.ts'],
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
