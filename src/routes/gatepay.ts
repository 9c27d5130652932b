/** The gatepay-compatible merchant API: `POST /api/cloudpay/{create,query,close,refund,refund_query}`. */
import type { Context } from 'hono';
import { createRouter, type AppEnv } from '../env';
import { GATEPAY_CODES, invalidFieldCode } from '../domain/gatepay';
import { failMerchant, gatepayBody } from '../errors';
import { refundApi, refundQueryApi } from '../services/gatepay-refunds';
import { closeOrder, createOrder, queryOrder } from '../services/orders';
import { readParams, type RawParams } from '../services/params';
import { cfRegion, publicOrigin } from './origin';

async function params(c: Context<AppEnv>): Promise<RawParams> {
  const read = await readParams(c);
  if (!read.ok)
    return failMerchant(
      read.undecodable ? invalidFieldCode(read.undecodable) : GATEPAY_CODES.param_missing,
      read.error,
    );
  return read.params;
}

const gatepay = createRouter();

gatepay.post('/create', async (c) => {
  const p = await params(c);
  const data = await createOrder(c.env, c.get('db'), p, { origin: publicOrigin(c), region: cfRegion(c) });
  return c.json(gatepayBody(GATEPAY_CODES.ok, 'success', data));
});

gatepay.post('/query', async (c) => {
  const data = await queryOrder(c.env, c.get('db'), await params(c), publicOrigin(c));
  return c.json(gatepayBody(GATEPAY_CODES.ok, 'success', data));
});

gatepay.post('/close', async (c) => {
  const data = await closeOrder(c.env, c.get('db'), await params(c), publicOrigin(c));
  return c.json(gatepayBody(GATEPAY_CODES.ok, 'success', data));
});

gatepay.post('/refund', async (c) => {
  const data = await refundApi(c.env, c.get('db'), await params(c), publicOrigin(c));
  return c.json(gatepayBody(GATEPAY_CODES.ok, 'success', data));
});

gatepay.post('/refund_query', async (c) => {
  const data = await refundQueryApi(c.env, c.get('db'), await params(c));
  return c.json(gatepayBody(GATEPAY_CODES.ok, 'success', data));
});

export default gatepay;
