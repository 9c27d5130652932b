/**
 * globalSetup of the browser project (Node): the real gateway under `wrangler dev` on a free
 * loopback port with fresh local state, plus the local merchant server. Tests reach both over
 * HTTP, as a payer's browser and a merchant's server would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMerchantServer } from '../merchant-server';

declare module 'vitest' {
  interface ProvidedContext {
    gatewayUrl: string;
    adminToken: string;
    merchantPort: number;
  }
}

export const ADMIN_TOKEN = 'browser-admin-token';
const WRANGLER = join(process.cwd(), 'node_modules', 'wrangler', 'bin', 'wrangler.js');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  const merchant = await startMerchantServer();
  const state = mkdtempSync(join(tmpdir(), 'huipay-browser-'));
  const envFile = join(state, 'test.env');
  writeFileSync(
    envFile,
    `ADMIN_TOKEN=${ADMIN_TOKEN}\nMASTER_KEY=browser-master-key-not-a-secret\nNOTIFY_SCHEDULE_SECONDS=1,1\n`,
  );
  const migrate = spawnSync(
    process.execPath,
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state],
    { env: { ...process.env, CI: '1' }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      state,
      '--env-file',
      envFile,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
    ],
    {
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 90_000; ; ) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* starting */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('wrangler dev did not start');
    await new Promise((r) => setTimeout(r, 300));
  }
  project.provide('gatewayUrl', url);
  project.provide('adminToken', ADMIN_TOKEN);
  project.provide('merchantPort', merchant.port);
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await merchant.stop();
    rmSync(state, { recursive: true, force: true });
  };
}
