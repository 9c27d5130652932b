/**
 * The real local gateway as a user runs it: `wrangler dev` on a loopback port, its local D1,
 * Durable Objects and Queues persisted in a state folder (migrations applied first). Used by the
 * browser tests and by the restart tests, which kill it and start it again on the same state.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WRANGLER = join(process.cwd(), 'node_modules', 'wrangler', 'bin', 'wrangler.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh state folder with migrations applied and an env file of `vars` (secrets and overrides). */
export function prepareState(prefix: string, vars: Record<string, string>): { state: string; envFile: string } {
  const state = mkdtempSync(join(tmpdir(), prefix));
  const envFile = join(state, 'test.env');
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  const migrate = spawnSync(
    process.execPath,
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state],
    {
      env: { ...process.env, CI: '1' },
      encoding: 'utf8',
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  return { state, envFile };
}

export interface Gateway {
  url: string;
  port: number;
  child: ChildProcess;
  /** Stops it: SIGTERM (a clean stop), or SIGKILL to the whole process group (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Starts `wrangler dev` on `state` and waits until it answers /healthz. */
export async function startGateway(opts: { state: string; envFile: string; port?: number }): Promise<Gateway> {
  const port = opts.port ?? (await freePort());
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
      opts.state,
      '--env-file',
      opts.envFile,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
    ],
    // Its own process group, so a crash can take workerd down with it.
    { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'inherit', 'inherit'], detached: true },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
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
  return {
    url,
    port,
    child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        if (signal === 'SIGKILL') process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGTERM');
      }
      await exited;
      if (signal === 'SIGKILL') await portFree(port);
    },
  };
}

/** Waits until nothing listens on `port` any more (a killed workerd is gone). */
async function portFree(port: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) });
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
