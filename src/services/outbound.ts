/**
 * One outbound request to a merchant (a POST, or a GET for the facades' notifies): no redirects followed, a 10 s limit, and at most 64 KB of
 * the answer read (the rest is dropped), so a slow or huge response cannot hold a worker.
 */
export const OUTBOUND_TIMEOUT_MS = 10_000;
const READ_LIMIT = 64 * 1024;
export const LOG_LIMIT = 1024;

export interface OutboundResult {
  status: number | null;
  /** The answer's text, at most 64 KB. */
  text: string | null;
  durationMs: number;
  error: string | null;
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < READ_LIMIT) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const all = new Uint8Array(Math.min(size, READ_LIMIT));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(all);
}

export function postOnce(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs = OUTBOUND_TIMEOUT_MS,
): Promise<OutboundResult> {
  return requestOnce(url, { method: 'POST', body, headers }, timeoutMs);
}

/** One request: no redirects followed, at most `timeoutMs`, the answer's first 64 KB read. */
export async function requestOnce(
  url: string,
  init: { method: 'GET' | 'POST'; body?: string; headers: Record<string, string> },
  timeoutMs = OUTBOUND_TIMEOUT_MS,
): Promise<OutboundResult> {
  const started = Date.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: init.method,
      body: init.body,
      headers: { 'user-agent': 'huipay-notify/1', ...init.headers },
      redirect: 'manual',
      signal,
    });
    const text = await readCapped(res);
    const error =
      res.status >= 300 && res.status < 400
        ? `redirect to ${res.headers.get('location') ?? '(no location)'} not followed`
        : null;
    return { status: res.status, text, durationMs: Date.now() - started, error };
  } catch (err) {
    const timedOut = signal.aborted;
    return {
      status: null,
      text: null,
      durationMs: Date.now() - started,
      error: timedOut ? `no answer within ${timeoutMs / 1000} s` : `request failed: ${String(err)}`,
    };
  }
}
