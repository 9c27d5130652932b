/**
 * The house's shape (DESIGN §3, issue 22), checked on the source tree: dependencies point one way
 * (entry points → services → domain/db), no import cycle, data access only in services and db/,
 * nothing in channels/ knows the sandbox, no source file over 400 lines, console handlers short.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handlerLengths } from '../../scripts/lib/handlers.mjs';
import { cycles, importGraph } from '../../scripts/lib/imports.mjs';

const ROOT = process.cwd();
const graph = importGraph(ROOT);
const files = [...graph.keys()];
const under = (dir: string) => (f: string) => f.startsWith(`src/${dir}/`) || f === `src/${dir}.ts`;

/** Every import of a file in `from` that lands in one of `banned`, as "importer → imported". */
function crossings(from: (f: string) => boolean, banned: ((f: string) => boolean)[]) {
  return files
    .filter(from)
    .flatMap((f) => [...(graph.get(f) ?? [])].filter((t) => banned.some((b) => b(t))).map((t) => `${f} → ${t}`));
}

describe('layout', () => {
  it('has no import cycle anywhere in src/', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps domain/ pure: it imports only domain/ (and schemas/ nothing but domain/)', () => {
    const outside = (f: string) => !under('domain')(f);
    expect(crossings(under('domain'), [outside])).toEqual([]);
    expect(crossings(under('schemas'), [(f) => !under('domain')(f) && !under('schemas')(f)])).toEqual([]);
  });

  it('points services down: services/, db/ and jobs.ts import no route, console, facade or queue entry point', () => {
    const entry = ['routes', 'console', 'facades', 'queues', 'views'].map(under);
    expect(crossings((f) => under('services')(f) || under('db')(f) || under('jobs')(f), entry)).toEqual([]);
    expect(crossings(under('jobs'), [under('services')])).toEqual([]);
  });

  it('keeps the real providers ignorant of the sandbox and of services', () => {
    expect(crossings(under('channels'), ['sandbox', 'services', 'routes', 'console', 'facades'].map(under))).toEqual(
      [],
    );
  });

  // sandbox/ keeps its own stand-in provider's books (sandbox trades), as a real provider would.
  it('imports drizzle-orm only in services/, db/, durable/, queues/ and the sandbox wing', () => {
    const direct = files.filter((f) => /from ['"]drizzle-orm/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(
      direct.filter((f) => ['routes', 'console', 'facades', 'views', 'channels', 'domain'].some((d) => under(d)(f))),
    ).toEqual([]);
  });

  it('has no file in src/ over 400 lines', () => {
    const long = files
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });

  it('keeps console handlers to read → service → view (no handler over 30 lines)', () => {
    const long = handlerLengths(ROOT, ['src/console'])
      .filter((h) => h.lines > 30)
      .map((h) => `${h.file}:${h.line} (${h.lines})`);
    expect(long).toEqual([]);
  });
});
