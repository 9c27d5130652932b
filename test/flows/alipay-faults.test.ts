import { describe, expect, it } from 'vitest';
import { gatepay, ok, signedCreate, uniqueKey as key, orderTables } from '../helpers';
import { createVia, dueNow, keyPair, sweepAt, zeroSetupApp } from '../channels/helpers';
import faultPublic from '../fixtures/rsa/fault-alipay-public.pem?raw';

async function shopBehind(behaviour: string) {
  const shop = await zeroSetupApp();
  await ok(
    'PUT',
    `/apps/${shop.app.appkey}/channels/alipay`,
    {
      app_id: '2021000000000200',
      private_key: (await keyPair()).pkcs8,
      alipay_public_key: faultPublic,
      gateway_url: `https://merchant.example/${behaviour}/${key('gw')}`,
    },
    201,
  );
  return shop;
}

const FAULTS = [
  ['alipay20000', 'Alipay: 20000 isp.unknow-error: 系统繁忙'],
  ['s500', 'Alipay answered HTTP 500'],
  ['alipaygarbage', "Alipay's answer is unreadable: the answer is not a JSON object"],
  ['alipayunsigned', "Alipay's answer (10000: Success) carries no sign; it cannot be trusted"],
  ['slow', 'Alipay could not be reached: no answer within 3 s'],
] as const;

describe('a create through a misbehaving provider', () => {
  it.each(FAULTS)('%s: 204 naming the answer, nothing written', async (behaviour, msg) => {
    const { app } = await shopBehind(behaviour);
    const k = key('c');
    const p = { ...(await signedCreate(app, { price: '1.00', out_order_id: k })), method: 'qr' };
    // official_then_personal: the sessions were tried too (there are none).
    expect(await gatepay('create', p)).toMatchObject({
      code: 204,
      msg: `no payment method available now: ${msg}; and no online alipay session accepts this order`,
    });
    await ok('PATCH', `/apps/${app.appkey}`, { routing: { alipay: 'official' } }, 200);
    expect(await gatepay('create', p)).toMatchObject({ code: 204, msg: `no payment method available now: ${msg}` });
    expect(
      await orderTables.prepare('SELECT COUNT(*) AS n FROM orders WHERE out_order_id = ?').bind(k).first('n'),
    ).toBe(0);
  });

  it('a precreate answer signed by node:crypto with the configured Alipay key is accepted', async () => {
    const { app } = await shopBehind('alipayprecreate');
    const created = await createVia(app, '1.00', key('ok'), { method: 'qr' });
    expect(new URL(created.qrcode_url).searchParams.get('text')).toBe('https://qr.alipay.com/bax00000fault');
  });
});

describe('the active query against a misbehaving provider', () => {
  it.each(FAULTS)('%s: the order stays pending and is asked again later, also past its expiry', async (behaviour) => {
    const { app } = await shopBehind(behaviour);
    const created = await createVia(app, '2.00', key('q'), { method: 'wap' });
    const row = () =>
      orderTables
        .prepare('SELECT status, next_query_ms, query_attempts FROM orders WHERE id = ?')
        .bind(created.order_id)
        .first<any>();
    await dueNow(created.order_id);
    const first = Date.now();
    await sweepAt(first);
    let o = await row();
    // Unknown outcomes are asked again after 1 min, then 2 min (from the sweep's clock).
    expect(o).toMatchObject({ status: 'pending', query_attempts: 1, next_query_ms: first + 60_000 });
    // Past expiry: the close cannot be confirmed either, so the order is not expired on a guess.
    await dueNow(created.order_id, { expire: true });
    const second = Date.now();
    await sweepAt(second);
    o = await row();
    expect(o).toMatchObject({ status: 'pending', query_attempts: 2, next_query_ms: second + 120_000 });
    const log = (await ok('GET', `/orders/${created.order_id}/channel-log`, undefined, 200)).data;
    expect(log.map((l: any) => l.outcome)).toEqual(['unknown', 'unknown']);
  });
});
