#!/usr/bin/env node
/**
 * Copies what the worker serves as static assets (wrangler.toml `[assets]`) from npm packages
 * into public/: the Scalar API reference bundle for `/docs` (no CDN). Run before start, test,
 * deploy, bench and soak; public/ is not committed.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
// The package exports no path to its browser bundle, so it is read from the installed package's folder.
const bundle = join(root, 'node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js');
mkdirSync(join(root, 'public', 'docs'), { recursive: true });
copyFileSync(bundle, join(root, 'public', 'docs', 'scalar.js'));
