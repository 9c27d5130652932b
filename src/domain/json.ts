/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys silently; SPEC §10
 * refuses a parameter sent twice, so bodies are scanned for them (at every depth) after parsing.
 */

/** The first key that appears twice in one object of `text`, or null (also for text that is not JSON). */
export function duplicateJsonKey(text: string): string | null {
  /** Keys seen per open object; null for an open array. */
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return null; // not JSON: left to the parser to refuse
      const keys = open[open.length - 1];
      if (keyNext && keys) {
        const key = parseString(text.slice(i, j + 1));
        if (key === null) return null;
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = j;
    } else if (ch === '{') {
      open.push(new Set());
      keyNext = true;
    } else if (ch === '[') open.push(null);
    else if (ch === '}' || ch === ']') open.pop();
    else if (ch === ',') keyNext = open[open.length - 1] instanceof Set;
  }
  return null;
}

function parseString(literal: string): string | null {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return null;
  }
}
