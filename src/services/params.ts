/**
 * Reads a request's parameters exactly as sent: form-urlencoded or JSON, every value a string.
 * JSON numbers keep their source text (`10.50` stays "10.50"), so signatures are checked over
 * what the client signed, never over a re-formatted number.
 */
import type { Context } from 'hono';

export const MAX_BODY_BYTES = 64 * 1024;

export type RawParams = Record<string, string>;
export type ParamsResult = { ok: true; params: RawParams } | { ok: false; error: string };

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

export async function readParams(c: Context): Promise<ParamsResult> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  let text: string;
  try {
    const buf = await c.req.arrayBuffer();
    if (buf.byteLength > MAX_BODY_BYTES) return { ok: false, error: `body is larger than ${MAX_BODY_BYTES} bytes` };
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    return { ok: false, error: 'body is not valid UTF-8' };
  }
  if (type === 'application/json') return parseJson(text);
  if (type === 'application/x-www-form-urlencoded' || type === '' || type === 'text/plain') {
    const params: RawParams = {};
    for (const [k, v] of new URLSearchParams(text)) if (!(k in params)) params[k] = v;
    return { ok: true, params };
  }
  return { ok: false, error: `content-type ${type} is not supported; send application/x-www-form-urlencoded or application/json` };
}

function parseJson(text: string): ParamsResult {
  let body: unknown;
  const keepSource: Reviver = (_k, v, ctx) => (typeof v === 'number' && ctx?.source !== undefined ? ctx.source : v);
  try {
    body = JSON.parse(text, keepSource as Parameters<typeof JSON.parse>[1]);
  } catch {
    return { ok: false, error: 'body is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'JSON body must be an object' };
  const params: RawParams = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') params[k] = v;
    else if (typeof v === 'boolean') params[k] = String(v);
    else if (v === null) continue;
    else return { ok: false, error: `${k}: must be a string or number, not ${Array.isArray(v) ? 'an array' : 'an object'}` };
  }
  return { ok: true, params };
}
