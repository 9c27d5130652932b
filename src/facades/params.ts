/**
 * The parameters of a facade request as their clients send them: the query string, and for a
 * POST a form (urlencoded or multipart) or JSON body, merged. Values are decoded strictly (bad
 * percent-encoding is an error, never U+FFFD) and kept exactly as sent, so signatures are checked
 * over what the client signed; a name sent twice (in one part or in both) is refused.
 */
import type { Context } from 'hono';
import { parseJsonObject, readBody, type RawParams } from '../services/params';

export type FacadeParams = { ok: true; params: RawParams } | { ok: false; error: string };

/** Decodes `a=b&c=d` (`+` is a space) into `into`; an error names the parameter. */
function parseForm(text: string, into: RawParams): string | null {
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const [rawName, rawValue] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      return `${rawName}: not valid UTF-8 percent-encoding`;
    }
    if (Object.hasOwn(into, name)) return `${name} is sent twice: send each parameter once`;
    into[name] = value;
  }
  return null;
}

function merge(from: Record<string, string>, into: RawParams): string | null {
  for (const [k, v] of Object.entries(from)) {
    if (Object.hasOwn(into, k)) return `${k} is sent twice: send each parameter once`;
    into[k] = v;
  }
  return null;
}

export async function facadeParams(c: Context): Promise<FacadeParams> {
  const params: RawParams = {};
  const queryError = parseForm(new URL(c.req.url).search.slice(1), params);
  if (queryError) return { ok: false, error: queryError };
  if (c.req.method !== 'POST') return { ok: true, params };
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      return { ok: false, error: 'body is not a readable multipart form' };
    }
    const fields: RawParams = {};
    for (const [k, v] of form) {
      if (typeof v !== 'string') return { ok: false, error: `${k}: files are not accepted` };
      if (Object.hasOwn(fields, k)) return { ok: false, error: `${k} is sent twice: send each parameter once` };
      fields[k] = v;
    }
    const error = merge(fields, params);
    return error ? { ok: false, error } : { ok: true, params };
  }
  const body = await readBody(c);
  if (!body.ok) return { ok: false, error: body.error };
  if (type === 'application/json') {
    const json = parseJsonObject(body.text, () => true);
    if (!json.ok) return json;
    const fields: RawParams = {};
    for (const [k, v] of Object.entries(json.value)) {
      if (typeof v === 'string') fields[k] = v;
      else if (v !== null) return { ok: false, error: `${k}: must be a string or number` };
    }
    const error = merge(fields, params);
    return error ? { ok: false, error } : { ok: true, params };
  }
  if (type !== 'application/x-www-form-urlencoded' && type !== '' && type !== 'text/plain')
    return { ok: false, error: `content-type ${type} is not supported; send a form or a query string` };
  const error = parseForm(body.text, params);
  return error ? { ok: false, error } : { ok: true, params };
}
