/** A console user agent for workers tests: a cookie jar over SELF.fetch, forms posted with the page's CSRF token. */
import { SELF } from 'cloudflare:test';
import { BASE } from '../helpers';

export class Browser {
  cookies = new Map<string, string>();
  lastHtml = '';

  /** The client address the gateway sees (`cf-connecting-ip`), or none (counted as `local`). */
  constructor(public address?: string) {}

  async request(
    method: string,
    path: string,
    /** The fields, or (a string) the form body exactly as sent. */
    form?: Record<string, string | string[]> | string,
    headers: Record<string, string> = {},
  ) {
    const body = typeof form === 'string' ? form : form ? new URLSearchParams() : undefined;
    if (typeof form === 'object' && body instanceof URLSearchParams)
      for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await SELF.fetch(`${BASE}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(this.address ? { 'cf-connecting-ip': this.address } : {}),
        ...headers,
      },
      body: body?.toString(),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [k, v] = pair.split('=');
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || v === '') this.cookies.delete(k.trim());
      else this.cookies.set(k.trim(), v);
    }
    const text = await res.text();
    if (res.headers.get('content-type')?.includes('text/html')) this.lastHtml = text;
    return { status: res.status, location: res.headers.get('location'), text, headers: res.headers };
  }

  get = (path: string, headers?: Record<string, string>) => this.request('GET', path, undefined, headers);

  /** The CSRF token of the last page. */
  csrf(): string {
    return this.lastHtml.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  }

  /** Posts a form with the CSRF token of `from` (fetched first). */
  async submit(from: string, action: string, form: Record<string, string | string[]> = {}) {
    await this.get(from);
    return this.request('POST', action, { _csrf: this.csrf(), ...form });
  }
}
