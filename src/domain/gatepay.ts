/**
 * The gatepay merchant API's pure rules (SPEC §3): its result codes, and the checks a create
 * request must pass once its app is known and its sign verified, in the order a merchant meets
 * them. Messages name the field and the likely cause.
 */
import { parseYuan } from './money';
import { parseRegion, type PayerRegion } from './rules';
import { gatepaySign, safeEqual, type SignKind, signFormula, signText } from './sign';
import { normalizeHttpUrl, outboundUrlProblem } from './ssrf';
import { SESSION_TYPES, type Mode, type PayType, type SessionType } from './vocab';

export const GATEPAY_CODES = {
  ok: 100,
  appkey_missing: 101,
  appkey_invalid: 102,
  sign_missing: 103,
  sign_invalid: 104,
  param_missing: 105,
  param_forbidden: 106,
  api_closed: 107,
  return_url_missing: 108,
  notify_url_missing: 109,
  quota: 110,
  unknown: 199,
  price_invalid: 201,
  type_invalid: 202,
  type_closed: 203,
  no_method: 204,
  out_order_conflict: 211,
  order_final: 212,
} as const;
export type GatepayCode = (typeof GATEPAY_CODES)[keyof typeof GATEPAY_CODES];

const INVALID: Partial<Record<string, GatepayCode>> = {
  appkey: GATEPAY_CODES.appkey_invalid,
  sign: GATEPAY_CODES.sign_invalid,
  price: GATEPAY_CODES.price_invalid,
  amount: GATEPAY_CODES.price_invalid,
  type: GATEPAY_CODES.type_invalid,
};

/** The code for a field that was sent but cannot be read: its own "invalid" code, else 105. */
export const invalidFieldCode = (field: string): GatepayCode =>
  (Object.hasOwn(INVALID, field) ? INVALID[field] : undefined) ?? GATEPAY_CODES.param_missing;

/** The check of one parameter against its operation's schema (src/schemas/gatepay.ts): null, or its message. */
export type FieldProblem = (field: string, value: string) => string | null;

/** A refused request: its gatepay code and message. */
export interface Refusal {
  code: GatepayCode;
  msg: string;
}

/** What the create checks need to know of an app. */
export interface CreateApp {
  mode: Mode;
  payTypes: readonly string[];
  allowUrlOverride: boolean;
  hasReturnUrl: boolean;
  /** A notify URL for this app's mode (sandbox: its sandbox URL or its notify URL). */
  hasNotifyUrl: boolean;
}

/** A create request that passed every check: amounts in fen, overrides and region parsed. */
export interface CheckedCreate {
  priceFen: number;
  type: PayType;
  outOrderId: string;
  custom: string;
  productId: string;
  notifyUrl: string | null;
  returnUrl: string | null;
  timeoutUrl: string | null;
  /** From the `payer_region` parameter; null: use where the request came from. */
  region: PayerRegion | null;
}

/** A merchant's order (or refund) number: 1–64 of A-Z a-z 0-9 _ . | - (epay out_trade_no, V免签 payId too). */
export const OUT_ORDER_ID = /^[A-Za-z0-9_.|-]{1,64}$/;
/**
 * Text without control characters (Unicode Cc: U+0000–U+001F, U+007F–U+009F), as `\P{Cc}` but
 * with no flag, so the OpenAPI document carries a pattern every JSON Schema validator reads.
 */
export const PRINTABLE = /^[^\u0000-\u001F\u007F-\u009F]*$/;
const URL_FIELDS = ['notify_url', 'return_url', 'timeout_url'] as const;
const C = GATEPAY_CODES;

const given = (p: Record<string, string>, f: string) => p[f] !== undefined && p[f] !== '';

/**
 * Checks a signed create request against its app; the first problem found, or the order to make.
 * `problem` checks a field against the create schema; its code follows from the field.
 */
export function checkCreate(
  app: CreateApp,
  p: Record<string, string>,
  maxFen: number,
  problem: FieldProblem,
): { ok: true; order: CheckedCreate } | ({ ok: false } & Refusal) {
  const refuse = (code: GatepayCode, msg: string) => ({ ok: false as const, code, msg });
  const shape = (field: string, value: string) => {
    const msg = problem(field, value);
    return msg === null ? null : refuse(invalidFieldCode(field), msg);
  };
  for (const f of ['price', 'type', 'out_order_id']) if (!given(p, f)) return refuse(C.param_missing, `${f} missing`);
  const overrides = URL_FIELDS.filter((f) => given(p, f));
  if (overrides.length && !app.allowUrlOverride) {
    return refuse(
      C.param_forbidden,
      `${overrides[0]} is not allowed: this app does not accept per-order URL overrides (enable allow_url_override)`,
    );
  }
  const urls: Partial<Record<(typeof URL_FIELDS)[number], string>> = {};
  for (const f of overrides) {
    const url = callbackUrl(p[f], app.mode === 'live' && f === 'notify_url');
    if (!url.ok) return refuse(C.param_forbidden, `${f}: ${url.error}`);
    urls[f] = url.url;
  }
  const price = parseYuan(p.price, maxFen);
  if (!price.ok) return refuse(C.price_invalid, `price invalid: ${price.error}`);
  const badType = shape('type', p.type);
  if (badType) return badType;
  if (!app.payTypes.includes(p.type)) return refuse(C.type_closed, `type ${p.type} is closed for this app`);
  const custom = p.custom ?? '';
  const productId = p.product_id ?? '';
  const badShape = shape('out_order_id', p.out_order_id) ?? shape('custom', custom) ?? shape('product_id', productId);
  if (badShape) return badShape;
  if (!(given(p, 'return_url') || app.hasReturnUrl))
    return refuse(C.return_url_missing, 'return URL not configured for this app');
  if (!(given(p, 'notify_url') || app.hasNotifyUrl))
    return refuse(C.notify_url_missing, 'notify URL not configured for this app');
  const badRegion = given(p, 'payer_region') ? shape('payer_region', p.payer_region) : null;
  if (badRegion) return badRegion;
  const region = given(p, 'payer_region') ? parseRegion(p.payer_region) : null;
  return {
    ok: true,
    order: {
      priceFen: price.value,
      type: p.type as PayType,
      outOrderId: p.out_order_id,
      custom,
      productId,
      notifyUrl: urls.notify_url ?? null,
      returnUrl: urls.return_url ?? null,
      timeoutUrl: urls.timeout_url ?? null,
      region,
    },
  };
}

/** A callback URL given with an order, normalised, or why it cannot be kept (`strict`: no internal hosts). */
export function callbackUrl(raw: string, strict: boolean): { ok: true; url: string } | { ok: false; error: string } {
  if (raw.length > 1024) return { ok: false, error: 'must be at most 1024 characters' };
  const parsed = normalizeHttpUrl(raw);
  if (!parsed.ok) return parsed;
  const problem = outboundUrlProblem(parsed.url, strict);
  return problem ? { ok: false, error: problem } : parsed;
}

/** The hosts (host[:port]) of an app's own configured URLs: where a V免签 per-order URL may point. */
export function urlHosts(urls: readonly (string | null)[]): string[] {
  return [...new Set(urls.flatMap((u) => (u && URL.canParse(u) ? [new URL(u).host] : [])))];
}

/** A create a facade checked, in the gatepay shape: no product id, timeout URL or payer region of its own. */
export function facadeCreate(
  o: Pick<CheckedCreate, 'priceFen' | 'type' | 'outOrderId' | 'custom' | 'notifyUrl' | 'returnUrl'>,
): CheckedCreate {
  return { ...o, productId: '', timeoutUrl: null, region: null };
}

/** Null when `p.sign` is the gatepay sign of `kind` (raw values as sent) under `secret`, else why not. */
export async function signRefusal(kind: SignKind, p: Record<string, string>, secret: string): Promise<Refusal | null> {
  const expected = await gatepaySign([signText(kind, p)], secret);
  if (safeEqual((p.sign ?? '').toLowerCase(), expected)) return null;
  return {
    code: C.sign_invalid,
    msg: `sign invalid: expected ${signFormula(kind)} over the raw values as sent, lowercase hex`,
  };
}

/** True when collection sessions (personal wallets) can take the pay type. */
export const isSessionType = (type: string): type is SessionType => (SESSION_TYPES as readonly string[]).includes(type);
