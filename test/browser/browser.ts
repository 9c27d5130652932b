/**
 * Headless Chromium for the browser tests, driven by playwright-core: CHROMIUM_PATH when set,
 * else Debian's /usr/bin/chromium when installed, else the binary of the npm package
 * `@sparticuz/chromium` (unpacked to the temp dir on first use), so no system package is needed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const DEBIAN = '/usr/bin/chromium';

const LAMBDA_ONLY = ['--single-process', '--no-zygote'];

/** Flags that keep Chromium off the network it cannot reach here (and quiet). */
const OFFLINE = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const own = process.env.CHROMIUM_PATH ?? (existsSync(DEBIAN) ? DEBIAN : undefined);
  return chromium.launch({
    headless: true,
    executablePath: own ?? (await sparticuz.executablePath()),
    // Its Lambda flags minus single-process mode, in which closing a page takes the browser down.
    args: own ? OFFLINE : [...sparticuz.args.filter((a) => !LAMBDA_ONLY.includes(a)), ...OFFLINE],
  });
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };
