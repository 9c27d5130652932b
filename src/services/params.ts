/**
 * Reads a request's parameters exactly as sent: form-urlencoded or JSON, every value a string.
 * JSON numbers keep their source text (`10.50` stays "10.50"), so signatures are checked over
 * what the client signed, never over a re-formatted number.
 */
import type { Context } from 'hono';
import { decodeForm } from '../domain/form';
import { duplicateJsonKey } from '../domain/json';

export const MAX_BODY_BYTES = 64 * 1024;

export type RawParams = Record<string, string>;
/** On failure, `undecodable` names a field whose percent-encoding is not UTF-8 (its own error code applies). */
export type ParamsResult = { ok: true; params: RawParams } | { ok: false; error: string; undecodable?: string };

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** A body read whole; on failure, `bytes` is there when the body was read but is not UTF-8. */
export type BodyResult =
  | { ok: true; bytes: Uint8Array; text: string }
  | { ok: false; tooLarge: boolean; error: string; bytes?: Uint8Array };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The raw body (at most `limit` bytes, whether or not a content-length was sent) and its UTF-8 text. */
export async function readBody(c: Context, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const tooLarge = { ok: false, tooLarge: true, error: `body is larger than ${limit} bytes` } as const;
  if (Number(c.req.header('content-length') ?? 0) > limit) return tooLarge;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  } catch {
    return { ok: false, tooLarge: false, error: 'body could not be read' };
  }
  if (bytes.byteLength > limit) return tooLarge;
  try {
    return { ok: true, bytes, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, tooLarge: false, error: 'body is not valid UTF-8', bytes };
  }
}

export async function readParams(c: Context): Promise<ParamsResult> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const body = await readBody(c);
  if (!body.ok) return { ok: false, error: body.error };
  const text = body.text;
  if (type === 'application/json') return parseJson(text);
  if (type === 'application/x-www-form-urlencoded' || type === '' || type === 'text/plain') {
    return formParams(text);
  }
  return {
    ok: false,
    error: `content-type ${type} is not supported; send application/x-www-form-urlencoded or application/json`,
  };
}

/** Form or query parameters, decoded strictly, each sent once (SPEC §10: a parameter sent twice is refused). */
export function formParams(text: string): ParamsResult {
  const decoded = decodeForm(text);
  if (!decoded.ok) return { ok: false, error: decoded.error, undecodable: decoded.field };
  const params: RawParams = {};
  for (const [k, v] of decoded.pairs) {
    if (Object.hasOwn(params, k)) return { ok: false, error: twice(k) };
    params[k] = v;
  }
  return { ok: true, params };
}

const twice = (k: string) => `${k}: sent more than once; send each parameter once`;

/** Why this JSON text may not be taken (a key sent twice), or null. */
export function duplicateKeyProblem(text: string): string | null {
  const key = duplicateJsonKey(text);
  return key === null ? null : twice(key);
}

/**
 * A JSON object body. Numbers under the keys `keepSource` accepts keep their source text
 * (`10.50` stays "10.50", `1e2` stays "1e2"), so money is read as written.
 */
export function parseJsonObject(
  text: string,
  keepSource: (key: string) => boolean,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const reviver: Reviver = (k, v, ctx) =>
    typeof v === 'number' && ctx?.source !== undefined && keepSource(k) ? ctx.source : v;
  let value: unknown;
  try {
    value = JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]);
  } catch {
    return { ok: false, error: 'body is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'body must be a JSON object' };
  const dup = duplicateKeyProblem(text);
  if (dup) return { ok: false, error: dup };
  return { ok: true, value: value as Record<string, unknown> };
}

function parseJson(text: string): ParamsResult {
  const json = parseJsonObject(text, () => true);
  if (!json.ok) return json;
  const params: RawParams = {};
  for (const [k, v] of Object.entries(json.value)) {
    if (typeof v === 'string') params[k] = v;
    else if (typeof v === 'boolean') params[k] = String(v);
    else if (v === null) continue;
    else
      return {
        ok: false,
        error: `${k}: must be a string or number, not ${Array.isArray(v) ? 'an array' : 'an object'}`,
      };
  }
  return { ok: true, params };
}
