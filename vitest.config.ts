import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: 'test-admin-token',
            MASTER_KEY: 'test-master-key-not-a-secret',
            // Retries 1 s apart so the 11-attempt schedule runs in seconds; the real default is tested as a pure function.
            NOTIFY_SCHEDULE_SECONDS: '1,1,1,1,1,1,1,1,1,1',
          },
        },
      }),
    ],
    test: {
      globalSetup: ['./test/merchant-server.ts'],
      setupFiles: ['./test/setup.ts'],
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
    },
  };
});
