/**
 * The one OpenAPI document (`/openapi.json`, SPEC §13) beyond the admin API: the merchant API's
 * refunds, the epay V1 and V免签 facades, the V免签 monitor app and the providers' notify route.
 * The exact list of public operations, their descriptions (sign formulas), their parameters as the
 * handlers read them, that each documented route is really served, and that the documented answer
 * shapes are the keys real answers carry. (Validity against the OpenAPI 3.1 schema: test/node/openapi.test.ts.)
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, gatepay, md5, setupMerchant, signedCreate, type TestApp } from '../helpers';
import { send, uniq } from '../facades/helpers';

let doc: any;
beforeAll(async () => {
  const res = await SELF.fetch(`${BASE}/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});

/** A schema with its `$ref` and `allOf` resolved to one object's property names and required list. */
function shape(schema: any): { props: string[]; required: string[] } {
  if (schema.$ref) return shape(doc.components.schemas[schema.$ref.split('/').pop()]);
  if (schema.allOf) {
    const parts = schema.allOf.map(shape);
    return { props: parts.flatMap((p: any) => p.props), required: parts.flatMap((p: any) => p.required) };
  }
  return { props: Object.keys(schema.properties ?? {}), required: schema.required ?? [] };
}
const component = (name: string) => shape({ $ref: `#/components/schemas/${name}` });

/** The parameters an operation takes besides its path: query parameters (GET) or body fields (POST). */
function fields(op: any): { names: string[]; required: string[] } {
  const query = (op.parameters ?? []).filter((p: any) => p.in === 'query');
  if (query.length > 0)
    return {
      names: query.map((p: any) => p.name),
      required: query.filter((p: any) => p.required).map((p: any) => p.name),
    };
  const content = op.requestBody?.content ?? {};
  const s = shape(content['application/x-www-form-urlencoded'].schema);
  return { names: s.props, required: s.required };
}
const pathParams = (op: any) => (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);

const BOTH = ['get', 'post'];
/** Every operation outside the admin API, with its methods. */
const PUBLIC: Record<string, string[]> = {
  '/api/cloudpay/create': ['post'],
  '/api/cloudpay/query': ['post'],
  '/api/cloudpay/close': ['post'],
  '/api/cloudpay/refund': ['post'],
  '/api/cloudpay/refund_query': ['post'],
  '/monitor/v1/heartbeat': ['post'],
  '/monitor/v1/payments': ['post'],
  '/pay/{token}/status': ['get'],
  '/channels/{channel}/notify/{config_id}': ['post'],
  '/submit.php': BOTH,
  '/mapi.php': BOTH,
  '/api.php': BOTH,
  '/vmq/{appkey}/createOrder': BOTH,
  '/vmq/{appkey}/getOrder': BOTH,
  '/vmq/{appkey}/checkOrder': BOTH,
  '/vmq/{appkey}/closeOrder': BOTH,
  '/vmq/{appkey}/getState': BOTH,
  '/appHeart': BOTH,
  '/api/monitor/heart': BOTH,
  '/appPush': BOTH,
  '/api/monitor/push': BOTH,
};

/** path → [tag, the fields (all methods), the required ones, words the description must hold]. */
const EXPECTED: Record<string, [string, string[], string[], string[]]> = {
  '/api/cloudpay/refund': [
    'merchant API',
    ['appkey', 'order_id', 'out_order_id', 'out_refund_no', 'amount', 'reason', 'sign'],
    ['appkey', 'out_refund_no', 'amount', 'sign'],
    [
      'md5( md5("amount=" + amount + "&appkey=" + appkey + "&order_id=" + order_id + "&out_order_id=" + out_order_id + "&out_refund_no=" + out_refund_no) + appsecret )',
      'every key always present, empty values kept',
      '211',
      '212',
      '203',
    ],
  ],
  '/api/cloudpay/refund_query': [
    'merchant API',
    ['appkey', 'out_refund_no', 'sign'],
    ['appkey', 'out_refund_no', 'sign'],
    ['md5( md5(appkey + out_refund_no) + appsecret )'],
  ],
  '/submit.php': [
    'epay V1',
    [
      'pid',
      'out_trade_no',
      'notify_url',
      'name',
      'money',
      'param',
      'sign',
      'sign_type',
      'type',
      'return_url',
      'clientip',
    ],
    ['pid', 'out_trade_no', 'name', 'money', 'sign'],
    ['sign = md5( k1=v1&k2=v2&…&kn=vn + KEY )', '/epay/', 'without `.php`'],
  ],
  '/mapi.php': [
    'epay V1',
    [
      'pid',
      'out_trade_no',
      'notify_url',
      'name',
      'money',
      'param',
      'sign',
      'sign_type',
      'type',
      'return_url',
      'clientip',
      'device',
    ],
    ['pid', 'out_trade_no', 'name', 'money', 'sign', 'type', 'clientip'],
    ['sign = md5( k1=v1&k2=v2&…&kn=vn + KEY )', '/epay/', 'without `.php`', 'qrcode'],
  ],
  '/api.php': [
    'epay V1',
    ['act', 'pid', 'key', 'trade_no', 'out_trade_no', 'limit', 'page', 'money', 'out_refund_no'],
    ['act', 'pid', 'key'],
    ['plain `key`', 'POST only', '/epay/', 'without `.php`'],
  ],
  '/vmq/{appkey}/createOrder': [
    'V免签',
    ['payId', 'type', 'price', 'sign', 'param', 'isHtml', 'notifyUrl', 'returnUrl'],
    ['payId', 'type', 'price', 'sign'],
    ['md5(payId + param + type + price + key)'],
  ],
  '/vmq/{appkey}/getOrder': ['V免签', ['orderId'], ['orderId'], ['No sign']],
  '/vmq/{appkey}/checkOrder': [
    'V免签',
    ['orderId'],
    ['orderId'],
    ['md5(payId + param + type + price + reallyPrice + key)'],
  ],
  '/vmq/{appkey}/closeOrder': ['V免签', ['orderId', 'sign'], ['orderId', 'sign'], ['md5(orderId + key)']],
  '/vmq/{appkey}/getState': ['V免签', ['t', 'sign'], ['sign'], ['md5(t + key)']],
  '/appHeart': ['V免签 monitor app', ['t', 'sign'], ['t', 'sign'], ['md5(t + key)', '<label>.<VMQ_MONITOR_DOMAIN>']],
  '/api/monitor/heart': ['V免签 monitor app', ['t', 'sign'], ['t', 'sign'], ['md5(t + key)', 'Host']],
  '/appPush': [
    'V免签 monitor app',
    ['t', 'type', 'price', 'sign'],
    ['t', 'type', 'price', 'sign'],
    ['md5(type + price + t + key)', '<label>.<VMQ_MONITOR_DOMAIN>'],
  ],
  '/api/monitor/push': [
    'V免签 monitor app',
    ['t', 'type', 'price', 'sign'],
    ['t', 'type', 'price', 'sign'],
    ['md5(type + price + t + key)', 'Host'],
  ],
};

describe('/openapi.json: refunds, facades, monitor app, provider notify', () => {
  it('lists exactly these public paths and methods, besides the admin API', () => {
    const listed = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/admin/v1/'))
      .flatMap(([path, item]: [string, any]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const expected = Object.entries(PUBLIC)
      .flatMap(([path, methods]) => methods.map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(listed).toEqual(expected);
  });

  it('documents each new operation: its tag, a description with its sign formula, and every field the handler reads', () => {
    for (const [path, [tag, names, required, words]] of Object.entries(EXPECTED))
      for (const method of PUBLIC[path]) {
        const op = doc.paths[path][method];
        const at = `${method} ${path}`;
        expect(op.tags, at).toEqual([tag]);
        expect(op.summary, at).toMatch(/\S/);
        expect(op.description.length, at).toBeGreaterThan(40);
        for (const w of words) expect(op.description, `${at}: ${w}`).toContain(w);
        const f = fields(op);
        expect(f.names.sort(), at).toEqual([...names].sort());
        expect(f.required.sort(), at).toEqual([...required].sort());
        expect(pathParams(op), at).toEqual(path.startsWith('/vmq/') ? ['appkey'] : []);
      }
  });

  it('describes the facade answers: epay submit redirects or shows pages, V免签 monitor endpoints live on a session host', () => {
    const submit = doc.paths['/submit.php'].get.responses;
    expect(Object.keys(submit).sort()).toEqual(['200', '302', '400', '500']);
    expect(Object.keys(submit['200'].content)).toEqual(['text/html']);
    expect(Object.keys(submit['400'].content)).toEqual(['text/html']);
    expect(submit['302'].headers.Location.schema).toEqual({ type: 'string' });
    expect(submit['302'].headers.Location.description).toContain('/pay/');
    expect(Object.keys(doc.paths['/vmq/{appkey}/createOrder'].post.responses).sort()).toEqual(['200', '302', '500']);
    for (const path of ['/appHeart', '/appPush', '/api/monitor/heart', '/api/monitor/push']) {
      const op = doc.paths[path].get;
      expect(op.servers[0].url, path).toBe('http://{label}.{domain}');
      expect(op.servers[0].variables.domain.description).toBe('VMQ_MONITOR_DOMAIN');
    }
    const post = doc.paths['/vmq/{appkey}/createOrder'].post.requestBody.content;
    expect(Object.keys(post).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
    ]);
    const notify = doc.paths['/channels/{channel}/notify/{config_id}'].post;
    expect(notify.tags).toEqual(['providers']);
    expect(pathParams(notify)).toEqual(['channel', 'config_id']);
    expect(notify.parameters[0].schema.enum.sort()).toEqual(['alipay', 'qqpay', 'unionpay', 'wechat']);
    const tags = doc.tags.map((t: any) => t.name);
    for (const t of ['merchant API', 'epay V1', 'V免签', 'V免签 monitor app', 'providers']) expect(tags).toContain(t);
  });

  it('the refund and refund_query examples are requests signed by SPEC §11.4 (appsecret sk_demo456)', async () => {
    const example = (name: string): Record<string, string> =>
      Object.fromEntries(Object.entries<any>(doc.components.schemas[name].properties).map(([k, v]) => [k, v.example]));
    const r = example('GatepayRefund');
    const text = `amount=${r.amount}&appkey=${r.appkey}&order_id=${r.order_id}&out_order_id=${r.out_order_id}&out_refund_no=${r.out_refund_no}`;
    expect(text).toBe('amount=3.00&appkey=ak_demo123&order_id=42&out_order_id=&out_refund_no=rf20261122001');
    expect(r.sign).toBe(await md5(`${await md5(text)}sk_demo456`));
    const q = example('GatepayRefundQuery');
    expect(q.sign).toBe(await md5(`${await md5(q.appkey + q.out_refund_no)}sk_demo456`));
  });

  it('every documented public route is served (answered by its handler, never the not-found route)', async () => {
    for (const [path, methods] of Object.entries(PUBLIC))
      for (const method of methods) {
        const concrete = path
          .replace('{token}', 'A'.repeat(24))
          .replace('{appkey}', 'ak_nobody')
          .replace('{channel}', 'alipay')
          .replace('{config_id}', '999999');
        const onHost = ['/appHeart', '/appPush', '/api/monitor/heart', '/api/monitor/push'].includes(path);
        // A session host's requests are routed by their Host (SELF.fetch keeps the URL's host); this label names no session.
        const res = await SELF.fetch(`${onHost ? 'http://abcdefgh2345.vmq.test' : BASE}${concrete}`, {
          method: method.toUpperCase(),
          redirect: 'manual',
        });
        const text = await res.text();
        expect(text, `${method} ${path}`).not.toMatch(/no route for|no such API|没有这个接口/);
        if (onHost) expect(text, path).toContain('没有这个收款会话');
      }
  });
});

describe('documented answer shapes are what the handlers answer', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = (await setupMerchant({ sessions: 1 })).app;
  });

  it('merchant API create: data keys are GatepayOrder properties', async () => {
    const r = await gatepay('create', await signedCreate(app, { price: '3.21', out_order_id: uniq('oa') }));
    expect(r.code).toBe(100);
    const documented = component('GatepayOrder');
    for (const k of Object.keys(r.data)) expect(documented.props, k).toContain(k);
    for (const k of documented.required) expect(Object.keys(r.data), k).toContain(k);
  });

  it('epay mapi and api.php order / query: the documented keys, exactly', async () => {
    const p: Record<string, string> = {
      pid: String(app.id),
      type: 'alipay',
      out_trade_no: uniq('E'),
      name: 'item',
      money: '3.37',
      clientip: '203.0.113.7',
    };
    p.sign = await md5(
      `${Object.keys(p)
        .sort()
        .map((k) => `${k}=${p[k]}`)
        .join('&')}${app.appsecret}`,
    );
    const made = (await send('/mapi.php', { form: new URLSearchParams(p).toString() })).json();
    expect(made.code, made.msg).toBe(1);
    expect(Object.keys(made).sort()).toEqual(component('EpayMapiAnswer').required.sort());
    const api = async (act: string, extra: Record<string, string> = {}) =>
      (
        await send('/api.php', {
          form: new URLSearchParams({ act, pid: String(app.id), key: app.appsecret, ...extra }).toString(),
        })
      ).json();
    const order = await api('order', { trade_no: made.trade_no });
    expect(Object.keys(order).sort()).toEqual(component('EpayOrderAnswer').props.sort());
    const account = await api('query');
    expect(Object.keys(account).sort()).toEqual(component('EpayAccountAnswer').props.sort());
  });

  it('V免签 createOrder and getState: the documented data keys, exactly', async () => {
    const p: Record<string, string> = { payId: uniq('V'), type: '2', price: '3.53', param: '' };
    p.sign = await md5(p.payId + p.param + p.type + p.price + app.appsecret);
    const made = (await send(`/vmq/${app.appkey}/createOrder?${new URLSearchParams(p)}`)).json();
    expect(made.code, made.msg).toBe(1);
    expect(Object.keys(made.data).sort()).toEqual(component('VmqOrder').props.sort());
    const t = '1796100000';
    const state = (await send(`/vmq/${app.appkey}/getState?t=${t}&sign=${await md5(t + app.appsecret)}`)).json();
    expect(Object.keys(state.data).sort()).toEqual(component('VmqState').props.sort());
  });
});
