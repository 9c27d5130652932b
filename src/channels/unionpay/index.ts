/**
 * The UnionPay online gateway (ACP 5.1.0) as a huipay channel: `page` (PC, `channelType=07`) and
 * `wap` (`08`) are front consumes the payer's browser posts to UnionPay (an auto-submitting form
 * page); `app` is an App consume answering `tn`; the consume query (`txnType=00`), refund
 * (`txnType=04`, named by its own `orderId` + `txnTime`) and the refund's query. Every answer and
 * notify is trusted only when its `signPubKeyCert` chains to the configured root and middle
 * certificates (certs.ts) and its signature verifies (protocol.ts). UnionPay cannot close a
 * consume: it stops being payable at its `payTimeout` (the order's expiry).
 */
import { z } from '@hono/zod-openapi';
import { compactChinaTime } from '../../domain/china-time';
import { randomToken } from '../../domain/ids';
import { base64ToBytes, bytesToBase64, fingerprint, parsePrivateKey, toPem } from '../../domain/rsa';
import { absoluteUrl, checkProviderUrl } from '../provider-url';
import {
  type CallOutcome,
  type Channel,
  type ChannelContext,
  type ChannelOrder,
  ConfigProblem,
  unverifiedCheck,
  type PaidFacts,
  type TradeState,
} from '../types';
import { parseCert, validateSignCert } from './certs';
import {
  common,
  DEFAULT_BASE,
  describe,
  type Fields,
  fenOf,
  NOT_FOUND,
  PATH,
  PENDING_CODES,
  parseAnswer,
  parseForm,
  signFields,
  verifyFields,
} from './protocol';

export interface UnionpaySettings {
  mer_id: string;
  base_url: string;
  sign_cert_id: string;
  /** Base64 SPKI derived from sign_key (what UnionPay verifies requests with). */
  sign_public_key: string;
  sign_key_fingerprint: string;
  root_cert: string;
  middle_cert: string;
}

export interface UnionpaySecrets {
  sign_key: string;
}

type Ctx = ChannelContext<UnionpaySettings, UnionpaySecrets>;

const LIVE_HOSTS = ['gateway.95516.com'];
const CONSUME = { txnType: '01', txnSubType: '01', bizType: '000201', currencyCode: '156' };

const input = z
  .object({
    mer_id: z
      .string()
      .regex(/^[0-9A-Za-z]{15}$/, 'the UnionPay merchant number (商户号), 15 characters')
      .openapi({ example: '777290058110048' }),
    sign_key: z.string().max(8000).optional().openapi({
      description:
        "the private key of the merchant's signing certificate, PKCS#8 (or PKCS#1) PEM; kept on update when omitted",
    }),
    sign_cert_id: z
      .string()
      .regex(/^\d{1,40}$/, "the signing certificate's serial number in decimal (certId)")
      .optional()
      .openapi({ example: '69629715588' }),
    sign_cert_p12: z
      .string()
      .max(20000)
      .optional()
      .openapi({ description: 'not supported: give sign_key and sign_cert_id (see the README)' }),
    sign_cert_password: z.string().max(200).optional().openapi({ description: 'not supported, with sign_cert_p12' }),
    root_cert: z.string().max(8000).optional().openapi({
      description: "UnionPay's root certificate (acp_prod_root.cer), PEM; optional for the built-in simulator",
    }),
    middle_cert: z.string().max(8000).optional().openapi({
      description: "UnionPay's middle certificate (acp_prod_middle.cer), PEM; optional for the built-in simulator",
    }),
    base_url: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: `default ${DEFAULT_BASE}; sandbox apps may use <origin>/sandbox/unionpay` }),
  })
  .openapi('UnionpayChannelConfig');

interface Called {
  outcome: CallOutcome<Fields>;
  fields: Fields | null;
  verified: boolean;
}

/** Why a message from UnionPay cannot be trusted, or null: signPubKeyCert chain, subject, dates, then the signature. */
async function untrusted(s: UnionpaySettings, f: Fields): Promise<string | null> {
  if (!f.signature) return 'no signature: treated as forged';
  if (!f.signPubKeyCert) return 'no signPubKeyCert: cannot be verified';
  const cert = await validateSignCert(f.signPubKeyCert, s.root_cert, s.middle_cert);
  if (!cert.ok) return cert.problem;
  if (!(await verifyFields(cert.value, f)))
    return 'signature does not verify with signPubKeyCert over the hex SHA-256 of the sorted fields';
  return null;
}

const requestFields = (ctx: Ctx, extra: Fields): Fields => ({
  ...common(ctx.settings.mer_id, ctx.settings.sign_cert_id),
  ...extra,
});

/** One server call: sign the fields, POST the form, read and verify the answer. */
async function callRaw(ctx: Ctx, path: string, extra: Fields): Promise<Called> {
  const fields = await signFields(base64ToBytes(ctx.secrets.sign_key), requestFields(ctx, extra));
  const body = new URLSearchParams(fields).toString();
  const startedMs = Date.now();
  let status: number | null = null;
  let text: string | null = null;
  let called: Called;
  try {
    const res = await ctx.fetch(`${ctx.settings.base_url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      body,
    });
    status = res.status;
    text = await res.text();
    called = await judge(ctx, status, text);
  } catch (err) {
    called = {
      outcome: {
        kind: 'unknown',
        msg: `UnionPay could not be reached: ${err instanceof Error ? err.message : String(err)}`,
      },
      fields: null,
      verified: false,
    };
  }
  ctx.record({
    api: `${path.split('/').pop()} txnType=${extra.txnType}`,
    startedMs,
    durationMs: Date.now() - startedMs,
    request: body,
    status,
    response: text,
    outcome: called.outcome.kind,
    error: called.outcome.kind === 'ok' ? null : called.outcome.msg,
  });
  return called;
}

const call = async (ctx: Ctx, path: string, extra: Fields) => (await callRaw(ctx, path, extra)).outcome;

async function judge(ctx: Ctx, status: number, text: string): Promise<Called> {
  const unknown = (msg: string, fields: Fields | null = null): Called => ({
    outcome: { kind: 'unknown', msg },
    fields,
    verified: false,
  });
  if (status !== 200) return unknown(`UnionPay answered HTTP ${status}`);
  const read = parseAnswer(text);
  if (!read.ok) return unknown(`UnionPay's answer is unreadable: ${read.why}`);
  const f = read.fields;
  const problem = await untrusted(ctx.settings, f);
  if (problem) return unknown(`UnionPay's answer (${describe(f)}) cannot be trusted: ${problem}`, f);
  if (f.merId && f.merId !== ctx.settings.mer_id)
    return unknown(`UnionPay's answer is for merId ${f.merId}, not ${ctx.settings.mer_id}`, f);
  const code = f.respCode ?? '';
  const outcome: CallOutcome<Fields> =
    code === '00'
      ? { kind: 'ok', value: f }
      : PENDING_CODES.has(code) || code === ''
        ? { kind: 'unknown', msg: `UnionPay: ${describe(f)}` }
        : { kind: 'refused', code, msg: `UnionPay: ${describe(f)}` };
  return { outcome, fields: f, verified: true };
}

/** The fields of a consume (browser or App). */
function consume(_ctx: Ctx, o: ChannelOrder, channelType: '07' | '08', backUrl: string): Fields {
  return {
    ...CONSUME,
    channelType,
    orderId: o.providerTradeNo,
    txnTime: compactChinaTime(o.createdMs),
    txnAmt: String(o.amountFen),
    backUrl,
    payTimeout: compactChinaTime(o.expiresMs),
    riskRateInfo: `{commodityName=${[...o.subject]
      .slice(0, 40)
      .join('')
      .replace(/[{}&=]/g, ' ')}}`,
  };
}

/** A query of the transaction `orderId` made at `txnTime`. */
const query = (ctx: Ctx, orderId: string, txnTime: string) =>
  call(ctx, PATH.query, { txnType: '00', txnSubType: '00', bizType: '000000', orderId, txnTime });

/** The consume of an order, as UnionPay reports it. */
async function tradeOf(ctx: Ctx, order: ChannelOrder): Promise<CallOutcome<TradeState>> {
  const answer = await query(ctx, order.providerTradeNo, compactChinaTime(order.createdMs));
  if (answer.kind === 'refused' && answer.code === NOT_FOUND) return { kind: 'ok', value: { state: 'not_found' } };
  if (answer.kind !== 'ok') return answer;
  const orig = answer.value.origRespCode ?? '';
  if (orig !== '00' && orig !== 'A6') return { kind: 'ok', value: { state: 'pending' } };
  const facts = paidFacts(answer.value);
  if (!facts) return { kind: 'unknown', msg: 'UnionPay reports the consume succeeded without queryId or txnAmt' };
  return { kind: 'ok', value: { state: 'paid', facts } };
}

function paidFacts(f: Fields): PaidFacts | null {
  const amount = fenOf(f.txnAmt);
  if (amount === null || !f.queryId) return null;
  return { amountFen: amount, providerTxnId: f.queryId, paidMs: Date.now(), payer: f.accNo || null };
}

export const unionpay = {
  name: 'unionpay',
  payType: 'unionpay',
  methods: ['page', 'wap', 'app'],
  input,
  secretFields: ['sign_key', 'sign_cert_password'],
  unsupportedFields: ['sign_cert_p12', 'sign_cert_password'],

  async prepare(raw, ctx) {
    const i = input.parse(raw);
    if (i.sign_cert_p12 !== undefined || i.sign_cert_password !== undefined)
      throw new ConfigProblem(
        'sign_cert_p12',
        "is not supported: UnionPay's .pfx files use legacy 3DES/RC2 encryption that WebCrypto cannot open; give sign_key (openssl pkcs12 -in acp.pfx -nocerts -nodes | openssl pkcs8 -topk8 -nocrypt) and sign_cert_id (the certificate's serial in decimal)",
      );
    const base = checkProviderUrl('base_url', i.base_url ?? DEFAULT_BASE, ctx, {
      liveHosts: LIVE_HOSTS,
      provider: `UnionPay's own gateway (${DEFAULT_BASE})`,
    });
    const prev = ctx.previous;
    const keyText = i.sign_key ?? prev?.secrets.sign_key ?? null;
    if (keyText === null)
      throw new ConfigProblem(
        'sign_key',
        "is required: the private key of the merchant's signing certificate (PKCS#8 PEM)",
      );
    const key = await parsePrivateKey(keyText);
    if (!key.ok) throw new ConfigProblem('sign_key', key.problem);
    const certId = i.sign_cert_id ?? prev?.settings.sign_cert_id ?? null;
    if (certId === null)
      throw new ConfigProblem(
        'sign_cert_id',
        "is required: the signing certificate's serial number in decimal (certId)",
      );
    const sim = base.simulated ? await ctx.simulator() : null;
    const certs: Record<'root_cert' | 'middle_cert', string> = { root_cert: '', middle_cert: '' };
    for (const field of ['root_cert', 'middle_cert'] as const) {
      const text = i[field] ?? sim?.material[field] ?? prev?.settings[field] ?? null;
      if (text === null)
        throw new ConfigProblem(
          field,
          `is required: UnionPay's ${field === 'root_cert' ? 'root' : 'middle'} certificate (PEM)`,
        );
      const cert = parseCert(text);
      if (!cert.ok) throw new ConfigProblem(field, cert.problem);
      certs[field] = cert.value.toString('pem');
    }
    const root = parseCert(certs.root_cert);
    const middle = parseCert(certs.middle_cert);
    if (root.ok && middle.ok && middle.value.issuer !== root.value.subject)
      throw new ConfigProblem(
        'middle_cert',
        `is issued by ${middle.value.issuer}, not by root_cert (${root.value.subject})`,
      );
    return {
      account: i.mer_id,
      settings: {
        mer_id: i.mer_id,
        base_url: base.url,
        sign_cert_id: certId,
        sign_public_key: bytesToBase64(key.value.spki),
        sign_key_fingerprint: await fingerprint(key.value.spki),
        ...certs,
      },
      secrets: { sign_key: bytesToBase64(key.value.pkcs8) },
    };
  },

  view(s, origin) {
    return {
      mer_id: s.mer_id,
      base_url: absoluteUrl(s.base_url, origin),
      sign_key: null,
      sign_key_fingerprint: s.sign_key_fingerprint,
      sign_public_key: toPem(base64ToBytes(s.sign_public_key), 'PUBLIC KEY'),
      sign_cert_id: s.sign_cert_id,
      root_cert: s.root_cert,
      middle_cert: s.middle_cert,
    };
  },

  async create(ctx, order, method, notifyUrl) {
    if (method !== 'app')
      return { kind: 'refused', code: 'method', msg: `${method} is not a UnionPay server-to-server method` };
    const answer = await call(ctx, PATH.app, consume(ctx, order, '08', notifyUrl));
    if (answer.kind !== 'ok') return answer;
    return answer.value.tn
      ? { kind: 'ok', value: { payInfo: answer.value.tn } }
      : { kind: 'unknown', msg: 'UnionPay answered without tn' };
  },

  async payUrl(ctx, order, method, urls) {
    if (method !== 'page' && method !== 'wap')
      return { kind: 'refused', code: 'method', msg: `UnionPay has no ${method} page` };
    const fields = await signFields(base64ToBytes(ctx.secrets.sign_key), {
      ...requestFields(ctx, consume(ctx, order, method === 'page' ? '07' : '08', urls.notifyUrl)),
      frontUrl: urls.returnUrl,
    });
    const base = ctx.settings.base_url.startsWith('/')
      ? `${ctx.origin}${ctx.settings.base_url}`
      : ctx.settings.base_url;
    return { kind: 'ok', value: { kind: 'form', action: `${base}${PATH.front}`, fields } };
  },

  async verifyNotify(ctx, raw) {
    const read = parseForm(raw.body);
    if (!read.ok) return { kind: 'rejected', reason: read.why };
    const f = read.fields;
    const problem = await untrusted(ctx.settings, f);
    if (problem) return { kind: 'rejected', reason: problem };
    if (!f.merId || !f.orderId) return { kind: 'rejected', reason: 'merId or orderId missing' };
    if (f.txnType !== '01') return { kind: 'ignored', summary: `txnType ${f.txnType} ${f.orderId} ${describe(f)}` };
    const paid = f.respCode === '00' || f.respCode === 'A6';
    const facts = paid ? paidFacts(f) : null;
    return {
      kind: 'trade',
      account: f.merId,
      providerTradeNo: f.orderId,
      amountFen: fenOf(f.txnAmt),
      state: facts ? 'paid' : 'pending',
      facts,
      summary: `consume ${f.orderId} ${f.txnAmt ?? ''} ${describe(f)}`,
    };
  },

  answers: {
    ok: { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' },
    fail: (reason) => ({ status: 400, body: reason.slice(0, 200), contentType: 'text/plain; charset=utf-8' }),
  },

  query: tradeOf,

  async close(ctx, order) {
    // No close at UnionPay: a consume is unpayable once its payTimeout (the order's expiry) has passed.
    const q = await tradeOf(ctx, order);
    if (q.kind !== 'ok') return q;
    if (q.value.state === 'paid') return { kind: 'ok', value: 'paid' };
    if (q.value.state === 'not_found') return { kind: 'ok', value: 'not_found' };
    if (Date.now() < order.expiresMs)
      return {
        kind: 'unknown',
        msg: 'UnionPay has no close: the consume stays payable until its payTimeout (the order expiry)',
      };
    return { kind: 'ok', value: 'closed' };
  },

  async refund(ctx, order, refund) {
    if (!order.providerTxnId)
      return { kind: 'refused', code: 'origQryId', msg: 'the paid consume has no queryId to refund' };
    const answer = await call(ctx, PATH.back, {
      txnType: '04',
      txnSubType: '00',
      bizType: '000201',
      channelType: '07',
      orderId: refund.providerRequestNo,
      origQryId: order.providerTxnId,
      txnTime: compactChinaTime(refund.createdMs),
      txnAmt: String(refund.amountFen),
      backUrl: `${ctx.origin}/channels/unionpay/notify/${ctx.configId}`,
    });
    if (answer.kind !== 'ok') return answer;
    // 00: accepted; UnionPay settles the refund later, the query says when.
    return { kind: 'ok', value: 'unconfirmed' };
  },

  async refundQuery(ctx, _order, refund) {
    const answer = await query(ctx, refund.providerRequestNo, compactChinaTime(refund.createdMs));
    if (answer.kind === 'refused' && answer.code === NOT_FOUND) return { kind: 'ok', value: 'not_found' };
    if (answer.kind !== 'ok') return answer;
    const orig = answer.value.origRespCode ?? '';
    if (orig === '00') {
      const amount = fenOf(answer.value.txnAmt);
      return amount === null || amount === refund.amountFen
        ? { kind: 'ok', value: 'succeeded' }
        : { kind: 'unknown', msg: `UnionPay reports txnAmt ${amount}, not ${refund.amountFen}` };
    }
    if (PENDING_CODES.has(orig) || orig === '')
      return { kind: 'unknown', msg: `UnionPay: the refund is pending (${orig})` };
    return { kind: 'ok', value: 'failed' };
  },

  async check(ctx) {
    const { outcome, fields, verified } = await callRaw(ctx, PATH.query, {
      txnType: '00',
      txnSubType: '00',
      bizType: '000000',
      orderId: `hpcheck${randomToken(16)}`,
      txnTime: compactChinaTime(Date.now()),
    });
    if (!fields) return unverifiedCheck(outcome);
    const code = fields.respCode ?? null;
    const accepted = code === '00' || code === NOT_FOUND;
    return {
      accepted,
      response_verified: verified,
      provider_code: code,
      provider_msg: describe(fields),
      hint: !verified
        ? `UnionPay's answer cannot be trusted (${outcome.kind === 'ok' ? '' : outcome.msg}): check root_cert and middle_cert`
        : accepted
          ? null
          : code === '11'
            ? 'UnionPay refused the signature: sign_cert_id must be the serial (decimal) of the certificate whose key is sign_key'
            : null,
    };
  },
} satisfies Channel<UnionpaySettings, UnionpaySecrets>;
