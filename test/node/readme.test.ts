/**
 * The README a new user reads first (issues 21 and 22): a guide of at most 400 lines that links
 * every reference page in docs/; every link it, docs/ and bench/README.md make lands on a file and
 * heading of this repository (no sections of a specification the repository does not ship); one
 * worked signing example across them; and what it says about Node 20's engine warnings covers
 * every package npm would warn about, read from the lock file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** semver, as npm itself judges `engines` (a dependency of npm's tooling, in node_modules). */
const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean };

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const anchors = (markdown: string) =>
  new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1].replace(/`/g, ''))));

/** Relative links of `file` (a path from the root) that name no file, or no heading there. */
const brokenLinks = (file: string) => {
  const broken: string[] = [];
  for (const [, target] of readFileSync(join(ROOT, file), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path, anchor] = target.split('#');
    const full = path ? join(ROOT, dirname(file), path) : join(ROOT, file);
    if (!existsSync(full)) broken.push(`${file}: ${target}`);
    else if (anchor && !anchors(readFileSync(full, 'utf8')).has(anchor)) broken.push(`${file}: ${target}`);
  }
  return broken;
};
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);

describe('README', () => {
  it('refers to no section of a document the repository does not have (no "SPEC §11", no "§11.4")', () => {
    expect(README.match(/SPEC|§/g) ?? []).toEqual([]);
  });

  it('every relative link names a file of the repository, and its #anchor a heading there', () => {
    const broken: string[] = [];
    for (const [, target] of README.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split('#');
      const path = file ? join(ROOT, file) : join(ROOT, 'README.md');
      if (!existsSync(path)) broken.push(target);
      else if (anchor && !anchors(readFileSync(path, 'utf8')).has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
    expect(README).toContain('(docs/merchant-api.md#official-channels-and-refunds)');
  });

  it('is a guide of at most 400 lines that links every page of docs/', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(400);
    expect(DOCS.filter((file) => !README.includes(`](${file}`))).toEqual([]);
  });

  it('every relative link of docs/*.md and bench/README.md names a file of the repository, and its #anchor a heading there', () => {
    expect(DOCS.length).toBeGreaterThan(5);
    expect([...DOCS, 'bench/README.md'].flatMap(brokenLinks)).toEqual([]);
  });

  it('has one worked create-sign example, the same in the README and docs/merchant-api.md', () => {
    const merchantApi = readFileSync(join(ROOT, 'docs/merchant-api.md'), 'utf8');
    for (const text of [README, merchantApi]) {
      expect(text).toContain('ak_docs202625.50wechatSO-20261201-0007alice@example.com');
      expect(text).toContain('99735d2b550a3c0083694db41a90a2df');
    }
    // The second example the README once carried (ak_demo123 / 10.00 / alipay) is gone everywhere.
    for (const file of ['README.md', ...DOCS]) {
      expect(readFileSync(join(ROOT, file), 'utf8')).not.toContain('ak_demo12310.00alipay20261122001user42');
    }
  });

  it('says how to get notifies on your own server and where the return URL`s sign is', () => {
    expect(README).toContain('**Notifies on your own server.**');
    expect(README).toContain("a sandbox app's `notify_url` or\n`sandbox_notify_url` may be a loopback or LAN address");
    expect(README).toContain(
      '`sign = md5( md5(appkey + price + type + product_id + order_id + out_order_id) + appsecret )`',
    );
    expect(anchors(readFileSync(join(ROOT, 'docs/notifications.md'), 'utf8'))).toContain('sync-return');
  });

  it('names every package whose engines exclude Node 20 (what `npm install` warns about) as harmless', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const warned = Object.entries<any>(lock.packages)
      .filter(([path, p]) => path && p.engines?.node && !semver.satisfies('20.19.0', p.engines.node))
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(warned).toContain('pretty-ms');
    const paragraph = README.slice(README.indexOf('**Engine warnings are harmless.**')).split('\n\n')[0];
    const named = [...paragraph.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]);
    const covered = (name: string) =>
      named.some((n) => n === name || (n.endsWith('/*') && name.startsWith(n.slice(0, -1))));
    expect(warned.filter((name) => !covered(name))).toEqual([]);
  });
});
