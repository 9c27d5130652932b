/**
 * The real clients of the two facades, ported line by line from their published source so the
 * tests send what they send and verify what huipay answers the way they verify it. PHP, Go and
 * Java cannot run here; each port keeps the original's quirks (and says which), with the
 * repository and path it comes from. Nothing here reuses huipay's own signing code.
 */
import { md5 } from '../helpers';

// ── PHP and Java built-ins the clients rely on ─────────────────────────────────────────────────

/** PHP `urlencode`: RFC 1738, space as `+`, everything but A-Z a-z 0-9 `-_.` percent-encoded. */
export const phpUrlencode = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

/** PHP `urldecode`: `+` is a space, then %XX. */
export const phpUrldecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

/** PHP `http_build_query` of a flat array (values already strings): empty values kept as `k=`. */
export const httpBuildQuery = (a: Record<string, string>) =>
  Object.entries(a)
    .map(([k, v]) => `${phpUrlencode(k)}=${phpUrlencode(v)}`)
    .join('&');

/** PHP `ksort` (SORT_REGULAR) for the alphabetic keys these clients use: byte order. */
export const ksort = (a: Record<string, string>) =>
  Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));

/** PHP's string of a number: an int as digits, a float in its shortest form (`10`, `10.5`, `0.01`). */
export const phpNumber = (n: number) => String(n);

/** PHP `stripslashes`. */
export const stripslashes = (s: string) => s.replace(/\\(.?)/g, '$1');

/** PHP `bccomp(a, b, 2)` of decimal strings: -1, 0 or 1, comparing to 2 decimals (truncated). */
export function bccomp2(a: string, b: string): number {
  const fen = (s: string) => {
    const [w, f = ''] = s.split('.');
    return BigInt(w) * 100n + BigInt(`${f}00`.slice(0, 2)) * (w.startsWith('-') ? -1n : 1n);
  };
  const [x, y] = [fen(a), fen(b)];
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Java `Double.toString` for the amounts a wallet shows (0.01 ≤ d < 10^7): shortest digits, at least `.0`. */
export const javaDouble = (d: number) => {
  const s = String(d);
  return s.includes('.') ? s : `${s}.0`;
};

// ── epay: the official SDK ─────────────────────────────────────────────────────────────────────
// epayapi/epaysdk EpayCore.class.php (getSign, buildRequestParam, pagePay, getPayLink, apiPay,
// verifyNotify, queryOrder).

export class EpayCore {
  constructor(readonly config: { pid: string; key: string; apiurl: string }) {}

  /** getSign: ksort; `k=v&` for k not sign/sign_type and v != ''; drop the last `&`; append key; md5. */
  getSign(param: Record<string, string>) {
    let signstr = '';
    for (const [k, v] of Object.entries(ksort(param)))
      if (k !== 'sign' && k !== 'sign_type' && v !== '') signstr += `${k}=${v}&`;
    return md5(signstr.slice(0, -1) + this.config.key);
  }

  /** buildRequestParam: the params, then sign and sign_type appended. */
  async buildRequestParam(param: Record<string, string>): Promise<Record<string, string>> {
    return { ...param, sign: await this.getSign(param), sign_type: 'MD5' };
  }

  /** pagePay: an auto-submitting POST form of the params to submit.php (what the browser then sends). */
  async pagePay(param: Record<string, string>) {
    const p = await this.buildRequestParam(param);
    return { url: `${this.config.apiurl}submit.php`, method: 'POST', body: new URLSearchParams(p).toString() };
  }

  /** getPayLink: submit.php?http_build_query(params). */
  async getPayLink(param: Record<string, string>) {
    return `${this.config.apiurl}submit.php?${httpBuildQuery(await this.buildRequestParam(param))}`;
  }

  /** apiPay: POST http_build_query(params) to mapi.php (curl sends it as a urlencoded form). */
  async apiPay(param: Record<string, string>) {
    return { url: `${this.config.apiurl}mapi.php`, body: httpBuildQuery(await this.buildRequestParam(param)) };
  }

  /** verifyNotify / verifyReturn: getSign($_GET) === $_GET['sign'] (every GET parameter counts). */
  async verifyNotify(get: Record<string, string>) {
    if (Object.keys(get).length === 0) return false;
    return (await this.getSign(get)) === get.sign;
  }

  /** queryOrder: api.php?act=order&pid=…&key=…&trade_no=… (concatenated, not encoded). */
  queryOrder(tradeNo: string) {
    return `${this.config.apiurl}api.php?act=order&pid=${this.config.pid}&key=${this.config.key}&trade_no=${tradeNo}`;
  }
}

// ── epay: v2board ──────────────────────────────────────────────────────────────────────────────
// v2board/v2board app/Payments/EPay.php (pay, notify).

export const v2board = {
  /** pay: money = total_amount / 100, no `type`; sign over stripslashes(urldecode(http_build_query(ksorted))). */
  async pay(
    config: { url: string; pid: string; key: string },
    order: { total_amount: number; trade_no: string; notify_url: string; return_url: string },
  ) {
    let params: Record<string, string> = {
      money: phpNumber(order.total_amount / 100),
      name: order.trade_no,
      notify_url: order.notify_url,
      return_url: order.return_url,
      out_trade_no: order.trade_no,
      pid: config.pid,
    };
    params = ksort(params);
    const str = stripslashes(phpUrldecode(httpBuildQuery(params))) + config.key;
    params.sign = await md5(str);
    params.sign_type = 'MD5';
    return { type: 1, data: `${config.url}/submit.php?${httpBuildQuery(params)}` };
  },
  /** notify: unset sign and sign_type, ksort, and sign every other field — empty ones too. */
  async notify(config: { key: string }, input: Record<string, string>) {
    const { sign, sign_type: _, ...rest } = input;
    const params = ksort(rest);
    const str = stripslashes(phpUrldecode(httpBuildQuery(params))) + config.key;
    if (sign !== (await md5(str))) return false;
    return { trade_no: params.out_trade_no, callback_no: params.trade_no };
  },
};

// ── epay and V免签: dujiaoka ───────────────────────────────────────────────────────────────────
// assimon/dujiaoka app/Http/Controllers/Pay/YipayController.php, VpayController.php and
// app/Service/OrderProcessService.php (completedOrder's bccomp of the amount).

async function dujiaokaEpaySign(data: Record<string, string>, key: string) {
  let sign = '';
  for (const [k, v] of Object.entries(ksort(data))) {
    if (k === 'sign' || k === 'sign_type' || v === '') continue;
    if (sign !== '') sign += '&';
    sign += `${k}=${v}`;
  }
  return md5(sign + key);
}

export const dujiaoka = {
  /** YipayController::gateway: a GET form (fields in ksort order) to the URL the merchant entered. */
  async yipayGateway(
    gw: { merchant_id: string; merchant_pem: string; merchant_key: string },
    payway: string,
    order: { order_sn: string; title: string; actual_price: string },
    urls: { return_url: string; notify_url: string },
  ) {
    const parameter = ksort({
      pid: gw.merchant_id,
      type: payway,
      out_trade_no: order.order_sn,
      return_url: urls.return_url,
      notify_url: urls.notify_url,
      name: order.title,
      money: phpNumber(Number.parseFloat(order.actual_price)),
      sign: gw.merchant_pem,
      sign_type: 'MD5',
    });
    parameter.sign = await dujiaokaEpaySign(parameter, gw.merchant_pem);
    return `${gw.merchant_key}?${new URLSearchParams(parameter).toString()}`;
  },
  /** YipayController::notifyUrl, then completedOrder(out_trade_no, money, trade_no): 'success' or 'fail'. */
  async yipayNotify(key: string, data: Record<string, string>, order: { actual_price: string; completed: boolean }) {
    if (!data.trade_no || (await dujiaokaEpaySign(data, key)) !== data.sign) return 'fail';
    return completedOrder(order, data.money);
  },
  /** VpayController::gateway: redirect to createOrder?http_build_query(…) with isHtml=1. */
  async vpayGateway(
    gw: { merchant_id: string; merchant_pem: string },
    payway: 'vzfb' | 'vwx',
    order: { order_sn: string; actual_price: string },
    urls: { returnUrl: string; notifyUrl: string },
    payId: string,
  ) {
    const parameter: Record<string, string> = {
      payId,
      price: phpNumber(Number.parseFloat(order.actual_price)),
      param: order.order_sn,
      returnUrl: urls.returnUrl,
      notifyUrl: urls.notifyUrl,
      isHtml: '1',
      type: payway === 'vzfb' ? '2' : '1',
    };
    parameter.sign = await md5(parameter.payId + parameter.param + parameter.type + parameter.price + gw.merchant_id);
    return `${gw.merchant_pem}createOrder?${httpBuildQuery(parameter)}`;
  },
  /** VpayController::notifyUrl: md5(payId.param.type.price.reallyPrice.key), then completedOrder(param, price, payId). */
  async vpayNotify(key: string, data: Record<string, string>, order: { actual_price: string; completed: boolean }) {
    const sign = await md5(data.payId + data.param + data.type + data.price + data.reallyPrice + key);
    if (sign !== data.sign) return 'fail';
    return completedOrder(order, data.price);
  },
};

/** OrderProcessService::completedOrder: refuses a completed order and any amount other than actual_price. */
function completedOrder(order: { actual_price: string; completed: boolean }, actualPrice: string) {
  if (order.completed) return 'fail';
  // bccomp($order->actual_price, (float)$actualPrice, 2): the float prints as PHP prints it.
  if (bccomp2(order.actual_price, phpNumber(Number.parseFloat(actualPrice))) !== 0) return 'fail';
  return 'success';
}

// ── epay: new-api (go-epay) ────────────────────────────────────────────────────────────────────
// Calcium-Ion/go-epay epay/order.go (Purchase, Verify) and its sign helper (ParamsFilter drops
// sign, sign_type and empty values; ParamsSort; CreateUrlString `k=v&…`; MD5String(url + key));
// QuantumNous/new-api controller/topup.go RequestEpay (Money '%.2f', Device epay.PC), whose page
// POSTs the params as a form to the returned URL.

function goEpaySign(params: Record<string, string>, key: string) {
  const keys = Object.keys(params)
    .filter((k) => !(k === 'sign' || k === 'sign_type' || params[k] === ''))
    .sort();
  return md5(keys.map((k) => `${k}=${params[k]}`).join('&') + key);
}

export const goEpay = {
  async purchase(
    config: { PartnerID: string; Key: string; BaseUrl: string },
    args: { Type: string; ServiceTradeNo: string; Name: string; Money: string; NotifyUrl: string; ReturnUrl: string },
  ) {
    const requestParams: Record<string, string> = {
      pid: config.PartnerID,
      type: args.Type,
      out_trade_no: args.ServiceTradeNo,
      notify_url: args.NotifyUrl,
      name: args.Name,
      money: args.Money,
      device: 'pc',
      sign_type: 'MD5',
      return_url: args.ReturnUrl,
      sign: '',
    };
    requestParams.sign = await goEpaySign(requestParams, config.Key);
    requestParams.sign_type = 'MD5';
    return { url: `${config.BaseUrl.replace(/\/+$/, '')}/submit.php`, params: requestParams };
  },
  /** Verify: VerifyStatus = sign == GenerateParams(params, key)["sign"]. */
  async verify(config: { Key: string }, params: Record<string, string>) {
    return { verifyStatus: params.sign === (await goEpaySign(params, config.Key)), tradeStatus: params.trade_status };
  },
};

// ── V免签: the Android monitor app ─────────────────────────────────────────────────────────────
// szvone/vmqApk app/src/main/java/com/vone/vmq/MainActivity.java (config `host/key` split on "/",
// appHeart on scan) and NeNotificationService.java (appHeart every 30 s, appPush(type, double)).

export const vmqApk = {
  /** The config string as the app reads it: exactly two parts split on "/". */
  readConfig(scanResult: string) {
    const tmp = scanResult.split('/');
    if (tmp.length !== 2) throw new Error('二维码错误，请您扫描网站上显示的二维码!');
    return { host: tmp[0], key: tmp[1] };
  },
  async appHeart(host: string, key: string, t = String(Date.now())) {
    return `http://${host}/appHeart?t=${t}&sign=${await md5(t + key)}`;
  },
  /** appPush(int type, double price): the price is concatenated as Java prints a double. */
  async appPush(host: string, key: string, type: 1 | 2, price: number, t = String(Date.now())) {
    const p = javaDouble(price);
    return `http://${host}/appPush?t=${t}&type=${type}&price=${p}&sign=${await md5(`${type}${p}${t}${key}`)}`;
  },
};
