/**
 * Headless Chromium for the browser tests, driven by playwright-core: CHROMIUM_PATH when set,
 * else Debian's /usr/bin/chromium when installed, else the binary of the npm package
 * `@sparticuz/chromium` (unpacked to the temp dir on first use), so no system package is needed.
 * Chinese text is drawn with Noto Sans SC from npm, registered through fontconfig (see `fonts`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** The one CJK face registered: Noto Sans SC Regular (a TTF; fontconfig reads no woff2). */
const CJK_DIR = dirname(
  createRequire(import.meta.url).resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
);

/**
 * A fontconfig file for the browser: the system's fonts (if any), the Latin faces
 * `@sparticuz/chromium` unpacks to <tmp>/fonts, and the CJK directory — no system CJK font needed.
 * Named after this checkout, so parallel checkouts never overwrite each other's file.
 */
function fonts(): string {
  const dir = join(tmpdir(), `huipay-fonts-${createHash('sha256').update(CJK_DIR).digest('hex').slice(0, 12)}`);
  const file = join(dir, 'fonts.conf');
  mkdirSync(dir, { recursive: true });
  const conf = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(tmpdir(), 'fonts')}</dir>
  <dir>${CJK_DIR}</dir>
  <cachedir>${join(dir, 'cache')}</cachedir>
</fontconfig>
`;
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, conf);
  renameSync(draft, file);
  return file;
}

/** The browser the machine has: CHROMIUM_PATH, else Debian's, else none (the npm one is used). */
function ownBrowser(): string | undefined {
  return process.env.CHROMIUM_PATH ?? (existsSync(DEBIAN) ? DEBIAN : undefined);
}

/**
 * Unpacks the npm Chromium once, from the browser project's globalSetup, before any test file
 * runs: `@sparticuz/chromium` takes an existing <tmp>/chromium as finished, so two test files
 * unpacking at once would spawn a half-written binary (ETXTBSY).
 */
export async function unpackBrowser(): Promise<void> {
  if (!ownBrowser()) await sparticuz.executablePath();
}

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const own = ownBrowser();
  return chromium.launch({
    headless: true,
    env: { ...process.env, FONTCONFIG_FILE: fonts() },
    executablePath: own ?? (await sparticuz.executablePath()),
    // Its Lambda flags minus single-process mode, in which closing a page takes the browser down.
    args: own ? OFFLINE : [...sparticuz.args.filter((a) => !LAMBDA_ONLY.includes(a)), ...OFFLINE],
  });
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };
