/**
 * `application/x-www-form-urlencoded` text (a form body or a query string) decoded strictly: `+`
 * is a space, and a `%` that does not start escapes of UTF-8 bytes is an error naming the field.
 * URLSearchParams makes such bytes U+FFFD and Hono's `c.req.query()` keeps the raw text; either
 * would store, sign or compare something the client never sent (`custom=%FF`).
 */

export type DecodedForm = { ok: true; pairs: [string, string][] } | { ok: false; field: string; error: string };

const decode = (raw: string) => decodeURIComponent(raw.replace(/\+/g, ' '));

/** The `name=value` pairs of `text` in order (names may repeat), or the first field that does not decode. */
export function decodeForm(text: string): DecodedForm {
  const pairs: [string, string][] = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const [rawName, rawValue] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    let name = rawName;
    try {
      name = decode(rawName);
      pairs.push([name, decode(rawValue)]);
    } catch {
      const named = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      return { ok: false, field: name, error: `${named}: not valid UTF-8 percent-encoding (send a literal % as %25)` };
    }
  }
  return { ok: true, pairs };
}
