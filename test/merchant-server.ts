/**
 * A real merchant HTTP server on loopback for the tests (vitest globalSetup, runs in Node).
 * The path says how to answer: `/<behaviour>/<key>` where behaviour is
 *   success | fail | failN (N × "fail", then "success") | ok200 (webhook: 200 "ok") | s500 |
 *   redirect | slow (no answer for 12 s) | huge (10 MB body) | timeoutN (N slow, then success) |
 *   page (an HTML page, for browser redirects) | say (HTTP 200 with the body given as `?text=`) |
 *   alipay20000 / alipay40002 / alipay40004 (an Alipay gateway answering that code, signed with the fault key in
 *   test/fixtures/rsa) | alipayprecreate (a signed precreate success) | alipaygarbage (HTTP 200, not
 *   JSON) | alipayunsigned (10000 without a sign) |
 *   wxsystemerror (WeChat Pay HTTP 500 SYSTEM_ERROR, signed with the fault key as key id FAULT_WECHAT_KEY_ID) |
 *   wxunsigned (a 200 code_url answer without Wechatpay-* headers) | wxprobe (the same signed with a
 *   WECHATPAY/SIGNTEST/ probe signature) | wxnative (a signed 200 code_url answer) | wxgarbage (200, not JSON) |
 *   qqsystemerror (QQ Wallet result_code FAIL err_code SYSTEMERROR, signed with FAULT_QQ_API_KEY) | qqunsigned (a
 *   SUCCESS code_url answer without sign) | qqreturnfail (return_code FAIL) | qqnative (a signed code_url answer) |
 *   upunsigned (a UnionPay respCode=00 answer with a tn and no signature) |
 *   html-success (200, an HTML page saying SUCCESS)
 * Every request is recorded; `GET /_log/<key>` returns them as JSON (method, path, headers, body).
 */
import { createHash, createSign } from 'node:crypto';
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

export const FAULT_WECHAT_KEY_ID = 'PUB_KEY_ID_0100000000000000000000000000000042';
const WECHAT_FAULTS: Record<string, { status: number; body: string; sign: 'key' | 'none' | 'probe' }> = {
  wxsystemerror: { status: 500, body: '{"code":"SYSTEM_ERROR","message":"系统错误"}', sign: 'key' },
  wxunsigned: { status: 200, body: '{"code_url":"weixin://wxpay/bizpayurl?pr=unsigned"}', sign: 'none' },
  wxprobe: { status: 200, body: '{"code_url":"weixin://wxpay/bizpayurl?pr=probe"}', sign: 'probe' },
  wxnative: { status: 200, body: '{"code_url":"weixin://wxpay/bizpayurl?pr=fault0"}', sign: 'key' },
  wxgarbage: { status: 200, body: '<html>busy</html>', sign: 'key' },
};

/** A WeChat Pay v3 answer signed (or not) as WeChat Pay signs: SHA256withRSA over timestamp\nnonce\nbody\n. */
function wechatAnswer(behaviour: string, res: http.ServerResponse) {
  const f = WECHAT_FAULTS[behaviour];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (f.sign !== 'none') {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'faultnonce0123456789abcdefghijkl';
    headers['wechatpay-timestamp'] = ts;
    headers['wechatpay-nonce'] = nonce;
    headers['wechatpay-serial'] = FAULT_WECHAT_KEY_ID;
    headers['wechatpay-signature'] =
      f.sign === 'probe'
        ? `WECHATPAY/SIGNTEST/${createSign('RSA-SHA256').update('probe').sign(FAULT_KEY, 'base64')}`
        : createSign('RSA-SHA256').update(`${ts}\n${nonce}\n${f.body}\n`, 'utf8').sign(FAULT_KEY, 'base64');
  }
  res.writeHead(f.status, headers).end(f.body);
}

export const FAULT_QQ_API_KEY = 'FaultQqApiKey0123456789abcdefghi';
const QQ_FAULTS: Record<string, { fields: Record<string, string>; sign: boolean }> = {
  qqsystemerror: {
    fields: { return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统错误' },
    sign: true,
  },
  qqunsigned: {
    fields: { return_code: 'SUCCESS', result_code: 'SUCCESS', code_url: 'https://qpay.qq.com/qr/unsigned' },
    sign: false,
  },
  qqreturnfail: { fields: { return_code: 'FAIL', return_msg: '系统繁忙' }, sign: false },
  qqnative: {
    fields: {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      trade_type: 'NATIVE',
      code_url: 'https://qpay.qq.com/qr/fault0',
    },
    sign: true,
  },
};

/** A QQ Wallet XML answer, signed (or not) as WeChat Pay v2 signs: uppercase MD5 of the sorted k=v&key=. */
function qqAnswer(behaviour: string, body: string, res: http.ServerResponse) {
  const f = QQ_FAULTS[behaviour];
  const mch = body.match(/<mch_id>(?:<!\[CDATA\[)?(\d+)/)?.[1] ?? '';
  const fields: Record<string, string> = { ...f.fields, mch_id: mch, nonce_str: 'faultnonce' };
  if (f.sign) {
    const text = `${Object.keys(fields)
      .filter((k) => fields[k] !== '')
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&')}&key=${FAULT_QQ_API_KEY}`;
    fields.sign = createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
  }
  const xml = `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
  res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
}

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
      else if (WECHAT_FAULTS[behaviour]) wechatAnswer(behaviour, res);
      else if (behaviour === 'upunsigned')
        res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end('version=5.1.0&respCode=00&respMsg=ok&tn=123456789012345678901');
      else if (QQ_FAULTS[behaviour]) qqAnswer(behaviour, Buffer.concat(chunks).toString('utf8'), res);
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
