/**
 * Route handler lengths: every `x.get(` / `.post(` / `.put(` / `.patch(` / `.delete(` / `.all(` /
 * `.openapi(` registration in the given folders, measured in lines from the call to its closing
 * parenthesis (brackets counted outside strings and comments).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const files = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });

const CALL = /\b[A-Za-z_$][\w$]*\s*\.\s*(get|post|put|patch|delete|all|openapi)\s*\(/g;

/** The index just past the parenthesis that closes the one at `open`. */
function close(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (ch === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 1;
    else if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
    } else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch) && --depth === 0) return i + 1;
    if (i < 0) return text.length;
  }
  return text.length;
}

/** [{ file, line, lines }] for every handler registration under `dirs`. */
export function handlerLengths(root, dirs) {
  const out = [];
  for (const file of dirs.flatMap((d) => files(join(root, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(CALL)) {
      const open = m.index + m[0].length - 1;
      const end = close(text, open);
      const line = text.slice(0, m.index).split('\n').length;
      const lines = text.slice(m.index, end).split('\n').length;
      if (lines > 1 || /=>/.test(text.slice(open, end))) out.push({ file: relative(root, file), line, lines });
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['src/routes', 'src/console', 'src/facades'];
  const hs = handlerLengths(process.cwd(), dirs).sort((a, b) => b.lines - a.lines);
  const sorted = hs.map((h) => h.lines).sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  console.log(
    `${hs.length} handlers in ${dirs.join(', ')}: median ${pct(50)} lines, p90 ${pct(90)}, max ${sorted.at(-1)}, over 30: ${hs.filter((h) => h.lines > 30).length}`,
  );
  for (const h of hs.slice(0, 12)) console.log(`  ${h.lines} ${h.file}:${h.line}`);
}
