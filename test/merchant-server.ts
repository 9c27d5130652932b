/**
 * A real merchant HTTP server on loopback for the tests (vitest globalSetup, runs in Node).
 * The path says how to answer: `/<behaviour>/<key>` where behaviour is
 *   success | fail | failN (N × "fail", then "success") | ok200 (webhook: 200 "ok") | s500 |
 *   redirect | slow (no answer for 12 s) | huge (10 MB body) | timeoutN (N slow, then success) |
 *   page (an HTML page, for browser redirects) | say (HTTP 200 with the body given as `?text=`) |
 *   alipay20000 / alipay40002 / alipay40004 (an Alipay gateway answering that code, signed with the fault key in
 *   test/fixtures/rsa) | alipayprecreate (a signed precreate success) | alipaygarbage (HTTP 200, not
 *   JSON) | alipayunsigned (10000 without a sign)
 *   html-success (200, an HTML page saying SUCCESS)
 * Every request is recorded; `GET /_log/<key>` returns them as JSON (method, path, headers, body).
 */
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  interface ProvidedContext {
    merchantPort: number;
  }
}

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

const FAULT_KEY = readFileSync(join(import.meta.dirname, 'fixtures', 'rsa', 'fault-alipay-private.pem'), 'utf8');
const ALIPAY_FAULTS: Record<string, object> = {
  alipay20000: {
    code: '20000',
    msg: 'Service Currently Unavailable',
    sub_code: 'isp.unknow-error',
    sub_msg: '系统繁忙',
  },
  alipay40002: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' },
  alipay40004: {
    code: '40004',
    msg: 'Business Failed',
    sub_code: 'ACQ.SELLER_BALANCE_NOT_ENOUGH',
    sub_msg: '卖家余额不足',
  },
  alipayunsigned: { code: '10000', msg: 'Success' },
  alipayprecreate: {
    code: '10000',
    msg: 'Success',
    out_trade_no: 'echo',
    qr_code: 'https://qr.alipay.com/bax00000fault',
  },
};

/** A gateway.do answer to the request's `method`, signed (or not) like Alipay's. */
function alipayAnswer(behaviour: string, url: URL): string {
  const key = `${(url.searchParams.get('method') ?? 'error').replaceAll('.', '_')}_response`;
  const body = JSON.stringify(ALIPAY_FAULTS[behaviour]);
  if (behaviour === 'alipayunsigned') return `{"${key}":${body}}`;
  const sign = createSign('RSA-SHA256').update(body, 'utf8').sign(FAULT_KEY, 'base64');
  return `{"${key}":${body},"sign":"${sign}"}`;
}

/** Starts the server on a free loopback port; returns the port and a stop function. */
export async function startMerchantServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const log = new Map<string, Seen[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const [, behaviour = '', key = ''] = url.pathname.split('/');
      if (behaviour === '_log') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(log.get(key) ?? []));
        return;
      }
      const seen = log.get(key) ?? [];
      seen.push({
        method: req.method ?? '',
        path: url.pathname + url.search,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      log.set(key, seen);
      const n = seen.length;
      const failN = behaviour.match(/^fail(\d+)$/);
      const slowN = behaviour.match(/^timeout(\d+)$/);
      if (behaviour === 'success') res.end('success');
      else if (behaviour === 'fail') res.end('fail');
      else if (failN) res.end(n <= Number(failN[1]) ? 'fail' : '  success\n');
      else if (behaviour === 'ok200') res.end('ok');
      else if (behaviour === 'say') res.end(url.searchParams.get('text') ?? '');
      else if (behaviour === 'page')
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(`<!DOCTYPE html><title>${key}</title><h1>Back at the shop</h1>`);
      else if (behaviour === 's500') res.writeHead(500).end('success');
      else if (ALIPAY_FAULTS[behaviour])
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(alipayAnswer(behaviour, url));
      else if (behaviour === 'alipaygarbage')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>busy</html>');
      else if (behaviour === 'html-success')
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<!DOCTYPE html><html><body><p>SUCCESS</p></body></html>');
      else if (behaviour === 'redirect') res.writeHead(302, { location: `/success/${key}` }).end();
      else if (behaviour === 'huge') res.end(Buffer.alloc(10 * 1024 * 1024, 'a'));
      else if (behaviour === 'slow' || (slowN && n <= Number(slowN[1])))
        setTimeout(() => res.end('success'), 12_000).unref();
      else if (slowN) res.end('success');
      else res.writeHead(404).end('unknown behaviour');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export default async function setup(project: TestProject) {
  const { port, stop } = await startMerchantServer();
  project.provide('merchantPort', port);
  return stop;
}
