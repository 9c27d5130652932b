/**
 * The parameters of a facade request as their clients send them: the query string, and for a
 * POST a form (urlencoded or multipart) or JSON body, merged. Values are decoded strictly (bad
 * percent-encoding is an error, never U+FFFD) and kept exactly as sent, so signatures are checked
 * over what the client signed; a name sent twice (in one part or in both) is refused.
 */
import type { Context } from 'hono';
import { decodeForm } from '../domain/form';
import { parseJsonObject, readBody, type RawParams } from '../services/params';

export type FacadeParams = { ok: true; params: RawParams } | { ok: false; error: string };

/** Decodes `a=b&c=d` (strictly, `+` is a space) into `into`; an error names the parameter. */
function parseForm(text: string, into: RawParams): string | null {
  const decoded = decodeForm(text);
  return decoded.ok ? merge(decoded.pairs, into) : decoded.error;
}

function merge(from: Iterable<[string, string]>, into: RawParams): string | null {
  for (const [k, v] of from) {
    if (Object.hasOwn(into, k)) return `${k} is sent twice: send each parameter once`;
    into[k] = v;
  }
  return null;
}

export async function facadeParams(c: Context): Promise<FacadeParams> {
  const params: RawParams = {};
  const done = (error: string | null): FacadeParams => (error ? { ok: false, error } : { ok: true, params });
  const queryError = parseForm(new URL(c.req.url).search.slice(1), params);
  if (queryError || c.req.method !== 'POST') return done(queryError);
  const body = await readBody(c);
  if (!body.ok) return { ok: false, error: body.error };
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const fields: [string, string][] = [];
  if (type === 'multipart/form-data') {
    let form: FormData;
    try {
      // From the bytes already read (bounded, strict UTF-8), so no field holds U+FFFD.
      const headers = { 'content-type': c.req.header('content-type') ?? '' };
      form = await new Response(body.bytes, { headers }).formData();
    } catch {
      return { ok: false, error: 'body is not a readable multipart form' };
    }
    for (const [k, v] of form) {
      if (typeof v !== 'string') return { ok: false, error: `${k}: files are not accepted` };
      fields.push([k, v]);
    }
    return done(merge(fields, params));
  }
  if (type === 'application/json') {
    const json = parseJsonObject(body.text, () => true);
    if (!json.ok) return json;
    for (const [k, v] of Object.entries(json.value)) {
      if (typeof v === 'string') fields.push([k, v]);
      else if (v !== null) return { ok: false, error: `${k}: must be a string or number` };
    }
    return done(merge(fields, params));
  }
  if (type !== 'application/x-www-form-urlencoded' && type !== '' && type !== 'text/plain')
    return { ok: false, error: `content-type ${type} is not supported; send a form or a query string` };
  return done(parseForm(body.text, params));
}
