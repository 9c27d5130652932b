/**
 * UnionPay ACP 5.1.0 against `openssl` on the command line (SPEC §11.7): a certificate chain
 * (root → middle → signing cert naming 中国银联股份有限公司) made by openssl in the test; openssl
 * verifies the simulator's chain and its answers' signatures, and the requests huipay signs (App
 * consume, PC front consume form); answers and notifies openssl signs are accepted by huipay; a
 * request openssl signs is accepted by the simulator. The signed text is written here from the
 * spec: the sorted `k=v&` of every field but `signature`, its lowercase hex SHA-256, SHA256withRSA.
 * Skipped only where no `openssl` is on PATH (it is on the development and CI machines).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorder, type Sandbox, startSandbox } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'huipay-openssl-'));
const f = (name: string) => join(dir, name);
const ssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

type Fields = Record<string, string>;
const sortedText = (x: Fields) =>
  Object.keys(x)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${x[k]}`)
    .join('&');
const digestHex = (x: Fields) => createHash('sha256').update(sortedText(x), 'utf8').digest('hex');

let seq = 0;
/** openssl dgst -sha256 -sign over the hex digest: the 5.1.0 signature, base64. */
function opensslSign(keyFile: string, x: Fields): string {
  const data = f(`data${++seq}.txt`);
  writeFileSync(data, digestHex(x));
  ssl('dgst', '-sha256', '-sign', keyFile, '-out', `${data}.sig`, data);
  return readFileSync(`${data}.sig`).toString('base64');
}

/** openssl dgst -sha256 -verify: true when `x.signature` verifies with the public key in `pubFile`. */
function opensslVerify(pubFile: string, x: Fields): boolean {
  const data = f(`data${++seq}.txt`);
  writeFileSync(data, digestHex(x));
  writeFileSync(`${data}.sig`, Buffer.from(x.signature, 'base64'));
  return spawnSync('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', `${data}.sig`, data]).status === 0;
}

/** A UnionPay answer, `k=v&` unencoded. */
const parseAnswer = (text: string): Fields => {
  const out: Fields = {};
  for (const part of text.split('&')) {
    const i = part.indexOf('=');
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
};
const answerText = (x: Fields) =>
  Object.entries(x)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

const CA_EXT = 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n';
const LEAF_EXT = 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,nonRepudiation\n';

function makeChain() {
  writeFileSync(f('ca.ext'), CA_EXT);
  writeFileSync(f('leaf.ext'), LEAF_EXT);
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.pem',
    '-days',
    '3650',
    '-subj',
    '/C=CN/O=openssl test/CN=openssl UnionPay Root',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  ssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'middle.key',
    '-out',
    'middle.csr',
    '-subj',
    '/C=CN/O=openssl test/CN=openssl UnionPay Middle',
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'middle.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-out',
    'middle.pem',
    '-days',
    '1825',
    '-extfile',
    'ca.ext',
  );
  ssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'sign.key',
    '-out',
    'sign.csr',
    '-utf8',
    '-subj',
    '/C=CN/O=openssl test/CN=041@8310000000000000@中国银联股份有限公司@00000001',
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'sign.csr',
    '-CA',
    'middle.pem',
    '-CAkey',
    'middle.key',
    '-CAcreateserial',
    '-out',
    'sign.pem',
    '-days',
    '365',
    '-extfile',
    'leaf.ext',
  );
  ssl('x509', '-in', 'sign.pem', '-pubkey', '-noout', '-out', 'sign.pub');
  ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'merchant.key');
  ssl('pkey', '-in', 'merchant.key', '-pubout', '-out', 'merchant.pub');
}

let sb: Sandbox;
let provider: Awaited<ReturnType<typeof recorder>>;

describe('UnionPay 5.1.0 signatures and certificates against openssl', () => {
  beforeAll(async () => {
    makeChain();
    sb = await startSandbox('huipay-upssl-');
    // A "UnionPay" that answers every App consume with a tn, signed by openssl under the openssl chain.
    provider = await recorder((r) => {
      const req = Object.fromEntries(new URLSearchParams(r.body));
      const ans: Fields = {
        version: '5.1.0',
        encoding: 'UTF-8',
        bizType: '000201',
        txnType: '01',
        txnSubType: '01',
        accessType: '0',
        merId: req.merId,
        orderId: req.orderId,
        txnTime: req.txnTime,
        signMethod: '01',
        respCode: '00',
        respMsg: '成功[0000000]',
        tn: '880001234567890123456',
        signPubKeyCert: readFileSync(f('sign.pem'), 'utf8'),
      };
      ans.signature = opensslSign(f('sign.key'), ans);
      return { status: 200, body: answerText(ans), headers: { 'content-type': 'text/plain;charset=UTF-8' } };
    });
  });

  afterAll(async () => {
    await provider?.close();
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function configured(baseUrl: string, withChain: boolean) {
    const shop = await sb.app('https://shop.example/n');
    const cfg = await sb.admin('PUT', `/apps/${shop.appkey}/channels/unionpay`, {
      mer_id: `777${String(Date.now()).slice(-12)}`,
      sign_key: readFileSync(f('merchant.key'), 'utf8'),
      sign_cert_id: '69629715588',
      base_url: baseUrl,
      ...(withChain
        ? { root_cert: readFileSync(f('root.pem'), 'utf8'), middle_cert: readFileSync(f('middle.pem'), 'utf8') }
        : {}),
    });
    return { shop, cfg };
  }

  it('openssl verifies the simulator`s certificate chain (root → middle → signing cert)', async () => {
    const keys = (await (await fetch(`${sb.gw.url}/sandbox/unionpay/keys`)).json()) as Record<string, string>;
    writeFileSync(f('sim-root.pem'), keys.root_cert);
    writeFileSync(f('sim-middle.pem'), keys.middle_cert);
    writeFileSync(f('sim-sign.pem'), keys.sign_cert);
    expect(ssl('verify', '-CAfile', 'sim-root.pem', '-untrusted', 'sim-middle.pem', 'sim-sign.pem').trim()).toBe(
      'sim-sign.pem: OK',
    );
    expect(ssl('x509', '-in', 'sim-sign.pem', '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus')).toContain(
      '@中国银联股份有限公司@',
    );
    const serial = ssl('x509', '-in', 'sim-sign.pem', '-noout', '-serial').trim().split('=')[1];
    expect(BigInt(`0x${serial}`).toString()).toBe(keys.sign_cert_id);
  });

  it('a query openssl signs is accepted by the simulator, and openssl verifies the simulator`s signed answer', async () => {
    const { cfg } = await configured(`${sb.gw.url}/sandbox/unionpay`, false);
    const req: Fields = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      txnType: '00',
      txnSubType: '00',
      bizType: '000000',
      accessType: '0',
      merId: cfg.mer_id,
      orderId: 'opensslq0001',
      txnTime: '20260101120000',
      certId: '69629715588',
    };
    req.signature = opensslSign(f('merchant.key'), req);
    const res = await fetch(`${sb.gw.url}/sandbox/unionpay/gateway/api/queryTrans.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(req),
    });
    const ans = parseAnswer(await res.text());
    expect(ans).toMatchObject({ respCode: '34', respMsg: '查无此交易', merId: cfg.mer_id, orderId: 'opensslq0001' });
    writeFileSync(f('ans-cert.pem'), ans.signPubKeyCert);
    ssl('x509', '-in', 'ans-cert.pem', '-pubkey', '-noout', '-out', 'ans-cert.pub');
    expect(opensslVerify(f('ans-cert.pub'), ans)).toBe(true);
    expect(opensslVerify(f('ans-cert.pub'), { ...ans, respCode: '00' })).toBe(false);
    // A request signed with another key is refused (respCode 11).
    const forged = { ...req, signature: opensslSign(f('sign.key'), req) };
    const refused = await fetch(`${sb.gw.url}/sandbox/unionpay/gateway/api/queryTrans.do`, {
      method: 'POST',
      body: new URLSearchParams(forged),
    });
    expect(parseAnswer(await refused.text()).respCode).toBe('11');
  });

  it('openssl verifies the App consume huipay signs, and huipay accepts the answer openssl signs under the openssl chain', async () => {
    const { shop, cfg } = await configured(provider.url, true);
    const order = await sb.create(shop, 'unionpay', '8.88', { method: 'app' });
    expect(order.pay_info).toBe('880001234567890123456');
    const sent = provider.seen.at(-1)!;
    expect(sent.path).toBe('/gateway/api/appTransReq.do');
    const req = Object.fromEntries(new URLSearchParams(sent.body));
    expect(req).toMatchObject({
      version: '5.1.0',
      signMethod: '01',
      txnType: '01',
      channelType: '08',
      txnAmt: '888',
      merId: cfg.mer_id,
      certId: '69629715588',
    });
    expect(opensslVerify(f('merchant.pub'), req)).toBe(true);
    expect(opensslVerify(f('merchant.pub'), { ...req, txnAmt: '889' })).toBe(false);
  });

  it('openssl verifies the PC front consume form huipay signs for the payer`s browser', async () => {
    const { shop } = await configured(provider.url, true);
    const order = await sb.create(shop, 'unionpay', '6.60', { method: 'page' });
    const html = await (await fetch(order.pay_url)).text();
    const fields = Object.fromEntries(
      [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [
        m[1],
        m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
      ]),
    );
    expect(fields).toMatchObject({ channelType: '07', txnAmt: '660', frontUrl: `${order.pay_url}?return=1` });
    expect(opensslVerify(f('merchant.pub'), fields)).toBe(true);
  });

  it('huipay accepts a notify openssl signs under the openssl chain and marks the order paid; a copy signed by the merchant key is refused', async () => {
    const { shop, cfg } = await configured(provider.url, true);
    const order = await sb.create(shop, 'unionpay', '4.44', { method: 'wap' });
    const row = await sb.admin('GET', `/orders/${order.order_id}`);
    const n: Fields = {
      accessType: '0',
      bizType: '000201',
      currencyCode: '156',
      encoding: 'UTF-8',
      merId: cfg.mer_id,
      orderId: row.provider_trade_no,
      queryId: '782601011200000000042',
      respCode: '00',
      respMsg: 'Success!',
      settleAmt: '444',
      settleCurrencyCode: '156',
      settleDate: '0101',
      signMethod: '01',
      traceNo: '000042',
      traceTime: '0101120000',
      txnAmt: '444',
      txnSubType: '01',
      txnTime: '20260101115900',
      txnType: '01',
      version: '5.1.0',
      signPubKeyCert: readFileSync(f('sign.pem'), 'utf8'),
    };
    const post = (x: Fields) =>
      fetch(`${sb.gw.url}/channels/unionpay/notify/${cfg.id}`, { method: 'POST', body: new URLSearchParams(x) });
    const forged = await post({ ...n, signature: opensslSign(f('merchant.key'), n) });
    expect(forged.status).toBe(400);
    expect((await sb.admin('GET', `/orders/${order.order_id}`)).status).toBe('pending');
    const res = await post({ ...n, signature: opensslSign(f('sign.key'), n) });
    expect(res.status).toBe(200);
    expect(await sb.admin('GET', `/orders/${order.order_id}`)).toMatchObject({
      status: 'paid',
      provider_txn_id: '782601011200000000042',
    });
  });
});
