/**
 * `npm start` as a new user meets it (issue 21): the script run twice on a fresh copy of the
 * repository, offline as this machine is. The console's first-run hint shows only until the
 * operator account exists; workerd's ERROR for a client that went away mid-answer, the offline
 * `Request.cf` stack, wrangler's update notice and its no-cron warning never reach the terminal;
 * the rest of wrangler's output still does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../gateway-process';

const COPY = [
  'scripts',
  'src',
  'migrations',
  'public',
  'wrangler.toml',
  'package.json',
  'tsconfig.json',
  '.dev.vars.example',
];
const BANNER_END = 'Stop with Ctrl-C.';

/** The environment of a user's shell: not vitest's (NODE_ENV=test makes miniflare skip its `Request.cf` fetch). */
function userEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'NODE_ENV' || k === 'CI' || k.startsWith('VITEST')) delete env[k];
  return env;
}
let dir: string;
let port: number;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'huipay-start-'));
  for (const f of COPY) cpSync(join(process.cwd(), f), join(dir, f), { recursive: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  port = await freePort();
});
afterAll(() => {
  if (child?.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm start`'s script until its banner has printed and `during` is done, then Ctrl-C; all it printed. */
async function start(during: (base: string) => Promise<void>): Promise<string> {
  let out = '';
  const p = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: dir,
    env: { ...userEnv(), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child = p;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  for (const deadline = Date.now() + 150_000; !out.includes(BANNER_END); ) {
    if (Date.now() > deadline || p.exitCode !== null) throw new Error(`no banner:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await during(`http://127.0.0.1:${port}`);
  await new Promise((r) => setTimeout(r, 1500)); // what workerd logs about it arrives
  p.kill('SIGINT');
  await exited;
  return out;
}

/**
 * Clients that go away mid-answer, as a closed tab does: each reads the first bytes of /docs and
 * closes; workerd's next write then fails (here about one in three logged "Broken pipe").
 */
async function hangUps(base: string, n = 40) {
  for (let i = 0; i < n; i++)
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () =>
        s.write(`GET /docs HTTP/1.1\r\nHost: ${new URL(base).host}\r\n\r\n`),
      );
      s.once('data', () => {
        s.destroy();
        setTimeout(resolve, 30);
      });
      s.on('error', () => resolve());
    });
}

/** Makes the first operator through the console's first-run form, as the banner says. */
async function makeOperator(base: string) {
  const page = await fetch(`${base}/console`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  const token = readFileSync(join(dir, '.dev.vars'), 'utf8').match(/^ADMIN_TOKEN=(["']?)(.*)\1\s*$/m)![2];
  const res = await fetch(`${base}/console/setup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, token, email: 'op@shop.example', password: 'start-test-password-1' }),
  });
  expect(res.status, await res.text()).toBe(303);
}

const NOISE = [
  'Broken pipe',
  'ENOTFOUND',
  'Unable to fetch the `Request.cf` object',
  'update available',
  'Scheduled Workers are not automatically triggered',
];

describe('npm start, twice on a fresh copy', () => {
  let first: string;
  let second: string;
  beforeAll(async () => {
    first = await start(async (base) => {
      await hangUps(base);
      await makeOperator(base);
    });
    second = await start(hangUps);
  }, 330_000);

  it('the first start shows the first-run hint; once the operator exists, the next start does not', () => {
    expect(first).toContain('(first visit: enter the admin token, then make the operator account)');
    expect(second).not.toContain('first visit');
    expect(second).toContain(`http://127.0.0.1:${port}/console   (sign in with your operator account)`);
  });

  it('prints none of the noise, while the requests that caused it are logged as served', () => {
    for (const out of [first, second]) {
      expect(NOISE.filter((noise) => out.includes(noise))).toEqual([]);
      expect(out).toContain(`Ready on http://127.0.0.1:${port}`);
      expect(out.match(/\[wrangler:info\] GET \/docs 200 OK/g)?.length ?? 0).toBeGreaterThanOrEqual(40);
    }
  });
});

describe('the filter on wrangler’s stderr (scripts/lib/quiet.mjs)', () => {
  /** The blocks as wrangler 4.86 printed them here (colour codes included). */
  const BROKEN_PIPE = [
    '\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1mkj::getCaughtExceptionAsKj() = kj/async-io-unix.c++:186: disconnected: ::write(fd, buffer.begin(), buffer.size()): Broken pipe\x1b[0m',
    '',
    '  stack: /x/workerd@51faac1 /x/workerd@51fb771 /x/workerd@37642df ',
    '',
    '',
  ];
  const NO_CRON = [
    '\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1mScheduled Workers are not automatically triggered during local development.\x1b[0m',
    '',
    '  To manually trigger a scheduled event, run:',
    '    curl "http://127.0.0.1:8787/cdn-cgi/handler/scheduled"',
    '  For more details, see \x1b[4mhttps://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally\x1b[0m',
    '',
    '',
  ];
  const filtered = async (lines: string[], chunk = 7) => {
    const { quietLines } = await import(join(process.cwd(), 'scripts/lib/quiet.mjs'));
    const text = lines.join('\n');
    const parts = Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) =>
      text.slice(i * chunk, (i + 1) * chunk),
    );
    let out = '';
    for await (const piece of Readable.from(parts).pipe(quietLines())) out += piece;
    return out;
  };

  it('drops those blocks whole, in any chunking, and keeps every other line, errors included', async () => {
    const kept = [
      '⎔ Starting local server...',
      '\x1b[31m✘ [ERROR] Uncaught TypeError: x is not a function\x1b[0m',
      '',
      '  at worker.js:1:1',
    ];
    const out = await filtered([
      kept[0],
      ...NO_CRON,
      ...BROKEN_PIPE,
      kept[1],
      kept[2],
      kept[3],
      ...BROKEN_PIPE,
      'last',
    ]);
    expect(out).toBe(`${kept.join('\n')}\nlast`);
    expect(await filtered([...BROKEN_PIPE, ...NO_CRON], 1)).toBe('');
  });
});
