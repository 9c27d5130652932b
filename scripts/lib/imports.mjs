/** The import graph of src/: each file's relative imports (type-only imports included, as tsc sees them). */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SPEC = /(?:import|export)\s[^'"]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function target(from, spec) {
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** Map of file (relative to root) → set of imported files. */
export function importGraph(root, dir = 'src') {
  const graph = new Map();
  for (const file of files(join(root, dir))) {
    const deps = new Set();
    for (const m of readFileSync(file, 'utf8').matchAll(SPEC)) {
      const t = target(file, m[1] ?? m[2]);
      if (t) deps.add(relative(root, t));
    }
    graph.set(relative(root, file), deps);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a self-import): the import cycles. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map(),
    low = new Map(),
    stack = [],
    on = new Set(),
    out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || graph.get(v)?.has(v)) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const g = importGraph(process.cwd());
  const cs = cycles(g);
  console.log(`${g.size} files, ${cs.length} import cycles`);
  for (const c of cs) console.log(`  ${c.length} files: ${c.join(' ')}`);
}
