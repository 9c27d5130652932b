/**
 * Console, merchant side: one order (its page: views/order-detail.tsx) and its actions: close,
 * resend a delivery, and refund (SPEC §11.4) an order an official channel took, through the same
 * refund service as the merchant and admin APIs.
 */
import { formatFen, maxAmountFen, parseYuan } from '../../domain/money';
import { HuipayError, isRefundRefused } from '../../errors';
import { resend } from '../../services/deliveries';
import { deliveryOfOrder, orderDetail } from '../../services/order-detail';
import { closePending } from '../../services/orders';
import { requestRefund } from '../../services/refunds';
import { publicOrigin } from '../../routes/origin';
import { consoleRouter, field, notFound, ownOrder, redirectWith, refuse } from '../core';
import { mbase, page } from '../layout';
import { OrderPage } from '../views/order-detail';

const router = consoleRouter();

/** A console refund's idempotency key: made when the form is shown, so a form sent twice is one refund. */
const OUT_REFUND_NO = /^console_[A-Za-z0-9]{24}$/;

router.get('/orders/:id', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const ctx = c.get('ctx');
  const detail = await orderDetail(c.env, o);
  return c.html(
    page(ctx, `${ctx.t.order} #${o.id}`, <OrderPage ctx={ctx} m={c.get('merchant')} o={o} detail={detail} />),
  );
});

router.post('/orders/:id/close', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const { t } = c.get('ctx');
  const r = await closePending(c.env, c.get('store'), o, publicOrigin(c));
  const to = `${mbase(o.merchantId)}/orders/${o.id}`;
  if ('refusal' in r) return refuse(c, to, r.refusal);
  return redirectWith(c, to, 'ok', t.orderClosedFlash);
});

router.post('/orders/:id/refunds', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const { t } = c.get('ctx');
  const to = `${mbase(o.merchantId)}/orders/${o.id}`;
  const outRefundNo = field(c, 'out_refund_no');
  if (!OUT_REFUND_NO.test(outRefundNo)) return redirectWith(c, to, 'error', t.formExpired);
  const amount = parseYuan(field(c, 'amount'), maxAmountFen(c.env.MAX_AMOUNT));
  if (!amount.ok) return refuse(c, to, `amount: ${amount.error}`);
  const reason = field(c, 'reason');
  if (reason.length > 256 || /\p{Cc}/u.test(reason)) return redirectWith(c, to, 'error', t.refundReasonTooLong);
  try {
    const r = await requestRefund(
      c.env,
      c.get('store'),
      o,
      { outRefundNo, amountFen: amount.value, reason: reason || null },
      publicOrigin(c),
    );
    if (r.status === 'succeeded')
      return redirectWith(c, to, 'ok', `${t.labelled(t.refundSucceeded)}¥${formatFen(r.amountFen)}`);
    if (r.status === 'failed') return redirectWith(c, to, 'error', t.refundFailed, r.msg ?? undefined);
    return redirectWith(c, to, 'ok', t.refundWaiting, r.msg ?? undefined);
  } catch (err) {
    if (isRefundRefused(err)) return refuse(c, to, err.message);
    throw err;
  }
});

router.post('/orders/:id/deliveries/:did/resend', async (c) => {
  const o = await ownOrder(c);
  const did = c.req.param('did');
  if (!o || !/^\d{1,15}$/.test(did)) return notFound(c);
  const d = await deliveryOfOrder(c.get('store'), o.id, Number(did));
  if (!d) return notFound(c);
  const to = `${mbase(o.merchantId)}/orders/${o.id}`;
  const { t } = c.get('ctx');
  try {
    const after = await resend(c.env, c.get('store'), d.id);
    const delivered = after.status === 'delivered';
    return redirectWith(c, to, delivered ? 'ok' : 'error', delivered ? t.resentAcked : t.resentNotAcked);
  } catch (err) {
    if (err instanceof HuipayError) return refuse(c, to, err.message);
    throw err;
  }
});

export default router;
