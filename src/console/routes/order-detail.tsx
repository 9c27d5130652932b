/**
 * Console, merchant side: one order — its facts (and its official channel's), a timeline of
 * creation, payment, refunds and every notify and webhook attempt — and its actions: close,
 * resend a delivery, and refund (SPEC §11.4) an order an official channel took, through the same
 * refund service as the merchant and admin APIs.
 */
import { and, eq } from 'drizzle-orm';
import { deliveries, payments, type Order, type Refund } from '../../db/schema';
import { randomToken } from '../../domain/ids';
import { deliveryMethod } from '../../domain/notify';
import { formatFen, maxAmountFen, parseYuan } from '../../domain/money';
import { ApiError } from '../../errors';
import { deliveriesOfOrder, resend } from '../../services/deliveries';
import { closePending } from '../../services/orders';
import { RefundRefused, refundsOf, requestRefund } from '../../services/refunds';
import { publicOrigin } from '../../routes/origin';
import { consoleRouter, field, notFound, ownOrder, redirectWith } from '../core';
import { Badge, Csrf, mbase, page, PostButton, type PageCtx, when } from '../layout';
import { statusLabel, typeLabel } from './orders';

const router = consoleRouter();

/** A console refund's idempotency key: made when the form is shown, so a form sent twice is one refund. */
const OUT_REFUND_NO = /^console_[A-Za-z0-9]{24}$/;

/** What can still be refunded of a paid channel order: paid less pending and succeeded refunds. */
const refundableFen = (o: Order, rs: Refund[]) =>
  o.realpriceFen - rs.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amountFen, 0);

/** The refund action: a form for a paid channel order, else a disabled button saying why not. */
function RefundAction({ ctx, o, refunds, base }: { ctx: PageCtx; o: Order; refunds: Refund[]; base: string }) {
  const { tr } = ctx;
  const left = refundableFen(o, refunds);
  const why =
    o.channel === null
      ? tr(
          '此订单由个人收款会话收款，退款需要官方通道。',
          'Paid into a personal collection session: refunds need an official channel.',
        )
      : o.status !== 'paid' && o.status !== 'refunded'
        ? tr('只有已支付的订单可以退款。', 'Only a paid order can be refunded.')
        : left <= 0
          ? tr('已无可退金额。', 'Nothing is left to refund.')
          : null;
  if (why)
    return (
      <>
        <button type="button" disabled aria-describedby="refund-why">
          {tr('退款', 'Refund')}
        </button>{' '}
        <span id="refund-why" class="muted">
          {why}
        </span>
      </>
    );
  return (
    <form method="post" action={`${base}/orders/${o.id}/refunds`} aria-label={tr('退款', 'Refund')}>
      <Csrf ctx={ctx} />
      <input type="hidden" name="out_refund_no" value={`console_${randomToken(24)}`} />
      <div class="row">
        <div>
          <label for="r-amount">{tr('退款金额（元）', 'Refund amount (yuan)')}</label>
          <input
            id="r-amount"
            name="amount"
            inputmode="decimal"
            required
            maxlength={12}
            value={formatFen(left)}
            aria-describedby="r-left"
          />
          <span id="r-left" class="muted">
            {tr('可退', 'Refundable')} ¥{formatFen(left)}
          </span>
        </div>
        <div>
          <label for="r-reason">{tr('退款原因（可选）', 'Reason (optional)')}</label>
          <input id="r-reason" name="reason" maxlength={256} />
        </div>
      </div>
      <button type="submit" class="danger">
        {tr('退款', 'Refund')}
      </button>
    </form>
  );
}

/** A refund's entries in the timeline: asked, and (once final) succeeded or failed. */
function RefundEntries({ ctx, r, timeZone }: { ctx: PageCtx; r: Refund; timeZone: string }) {
  const { tr } = ctx;
  const label = { pending: tr('处理中', 'pending'), succeeded: tr('成功', 'succeeded'), failed: tr('失败', 'failed') };
  return (
    <>
      <li class="refund">
        {when(r.createdMs, timeZone)} · {tr('申请退款', 'Refund asked')} ¥{formatFen(r.amountFen)}{' '}
        <Badge value={r.status === 'succeeded' ? 'paid' : r.status} label={label[r.status]} />{' '}
        <span class="mono">{r.outRefundNo}</span>
        {r.reason && <span> · {r.reason}</span>}
        {r.status === 'pending' && r.msg && <span class="muted"> · {r.msg}</span>}
      </li>
      {r.finishedMs !== null && (
        <li class={r.status === 'succeeded' ? 'ok' : 'bad'}>
          {when(r.finishedMs, timeZone)} ·{' '}
          {r.status === 'succeeded' ? tr('退款成功', 'Refund succeeded') : tr('退款失败', 'Refund failed')} ¥
          {formatFen(r.amountFen)}
          {r.msg && <span> · {r.msg}</span>}
        </li>
      )}
    </>
  );
}

router.get('/orders/:id', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { tr } = ctx;
  const db = c.get('db');
  const [app, payment, log, refunds] = await Promise.all([
    db.query.apps.findFirst({ where: (a, { eq }) => eq(a.id, o.appId) }),
    o.paymentId ? db.query.payments.findFirst({ where: eq(payments.id, o.paymentId) }) : Promise.resolve(undefined),
    deliveriesOfOrder(db, o.id),
    refundsOf(db, o.id),
  ]);
  const base = mbase(m.id);
  const t = (ms: number | null) => when(ms, m.timezone);
  return c.html(
    page(
      ctx,
      `${tr('订单', 'Order')} #${o.id}`,
      <>
        <div class="card">
          <div class="row">
            <div>
              <strong>{tr('状态', 'Status')}</strong> <Badge value={o.status} label={statusLabel(tr, o.status)} />{' '}
              <Badge value={o.mode} />
            </div>
            <div>
              <strong>{tr('商户订单号', 'out_order_id')}</strong> <span class="mono">{o.outOrderId}</span>
            </div>
            <div>
              <strong>{tr('金额 / 实付', 'Price / realprice')}</strong> ¥{formatFen(o.priceFen)} / ¥
              {formatFen(o.realpriceFen)}
            </div>
            <div>
              <strong>{tr('方式', 'Type')}</strong> {typeLabel(tr, o.type)} ·{' '}
              {o.channel === null ? (
                <>
                  {tr('会话', 'session')} #{o.sessionId}
                </>
              ) : (
                <>
                  {typeLabel(tr, o.type)} {tr('官方通道', 'official channel')} ({o.method})
                </>
              )}
            </div>
            <div>
              <strong>{tr('应用', 'App')}</strong> {app?.name ?? '—'}
            </div>
            <div>
              <strong>custom</strong> <span class="mono">{o.custom || '—'}</span>
            </div>
            {o.channel !== null && (
              <>
                <div>
                  <strong>{tr('通道订单号', 'Provider order no.')}</strong>{' '}
                  <span class="mono">{o.providerTradeNo ?? '—'}</span>
                </div>
                <div>
                  <strong>{tr('通道交易号', 'Provider transaction')}</strong>{' '}
                  <span class="mono">{o.providerTxnId ?? '—'}</span>
                </div>
                <div>
                  <strong>{tr('已退款', 'Refunded')}</strong> ¥{formatFen(o.refundedFen)}
                </div>
              </>
            )}
          </div>
          <div>
            {o.status === 'pending' && (
              <PostButton
                ctx={ctx}
                action={`${base}/orders/${o.id}/close`}
                label={tr('关闭订单', 'Close order')}
                kind="secondary"
              />
            )}{' '}
            <RefundAction ctx={ctx} o={o} refunds={refunds} base={base} />
          </div>
        </div>
        <h2>{tr('时间线', 'Timeline')}</h2>
        <ul class="timeline card">
          <li>
            {t(o.createdMs)} · {tr('创建订单', 'Order created')}
          </li>
          {payment && (
            <li class="ok">
              {t(payment.receivedMs)} · {tr('收到付款', 'Payment received')} ¥{formatFen(payment.amountFen)} (
              {payment.channel
                ? tr('官方通道通知', 'reported by the channel')
                : payment.matchedBy === 'manual'
                  ? tr('手动补单', 'assigned by hand')
                  : tr('自动匹配', 'matched')}
              ) <span class="mono">{payment.id}</span>
              {payment.note && <span> · {payment.note}</span>}
            </li>
          )}
          {o.status === 'closed' && (
            <li class="bad">
              {t(o.closedMs)} · {tr('订单已关闭', 'Order closed')}
            </li>
          )}
          {o.status === 'expired' && (
            <li class="bad">
              {t(o.expiresMs)} · {tr('订单已过期', 'Order expired')}
            </li>
          )}
          {refunds.map((r) => (
            <RefundEntries ctx={ctx} r={r} timeZone={m.timezone} />
          ))}
          {log.flatMap(({ delivery: d, attempts }) => [
            <li>
              {t(d.createdMs)} · {d.kind === 'webhook' ? `Webhook ${d.eventType}` : tr('异步通知', 'Async notify')} →{' '}
              <span class="mono">{d.url}</span> <Badge value={d.status} />{' '}
              <PostButton
                ctx={ctx}
                action={`${base}/orders/${o.id}/deliveries/${d.id}/resend`}
                label={tr('重发', 'Resend')}
                kind="secondary"
              />
            </li>,
            ...attempts.map((a) => (
              <li class={a.ok ? 'ok' : 'bad'}>
                {t(a.startedMs)} · {tr('第', 'attempt ')}
                {a.attempt}
                {tr(' 次尝试', '')}
                {a.manual ? tr('（手动）', ' (manual)') : ''} · HTTP {a.status ?? '—'} · {a.durationMs} ms{' '}
                {a.error && <span>· {a.error}</span>}
                <details>
                  <summary>{tr('请求与响应', 'Request and response')}</summary>
                  <pre>{`${deliveryMethod(d.kind)} ${a.url}\n\n${a.requestBody}`}</pre>
                  <pre>{a.response ?? ''}</pre>
                </details>
              </li>
            )),
          ])}
        </ul>
      </>,
    ),
  );
});

router.post('/orders/:id/close', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const { tr } = c.get('ctx');
  const r = await closePending(c.env, c.get('db'), o, publicOrigin(c));
  const to = `${mbase(o.merchantId)}/orders/${o.id}`;
  if ('refusal' in r) return redirectWith(c, to, 'error', r.refusal);
  return redirectWith(c, to, 'ok', tr('订单已关闭。', 'Order closed.'));
});

router.post('/orders/:id/refunds', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const { tr } = c.get('ctx');
  const to = `${mbase(o.merchantId)}/orders/${o.id}`;
  const outRefundNo = field(c, 'out_refund_no');
  if (!OUT_REFUND_NO.test(outRefundNo))
    return redirectWith(c, to, 'error', tr('表单已过期，请刷新页面后重试。', 'The form expired: reload the page.'));
  const amount = parseYuan(field(c, 'amount'), maxAmountFen(c.env.MAX_AMOUNT));
  if (!amount.ok) return redirectWith(c, to, 'error', `${tr('退款金额', 'amount')}: ${amount.error}`);
  const reason = field(c, 'reason');
  if (reason.length > 256 || /\p{Cc}/u.test(reason))
    return redirectWith(c, to, 'error', tr('退款原因最多 256 个字符。', 'reason: at most 256 characters.'));
  try {
    const r = await requestRefund(
      c.env,
      c.get('db'),
      o,
      { outRefundNo, amountFen: amount.value, reason: reason || null },
      publicOrigin(c),
    );
    if (r.status === 'succeeded')
      return redirectWith(c, to, 'ok', `${tr('退款成功', 'Refund succeeded')}: ¥${formatFen(r.amountFen)}`);
    if (r.status === 'failed')
      return redirectWith(c, to, 'error', `${tr('退款失败', 'Refund failed')}: ${r.msg ?? ''}`);
    return redirectWith(
      c,
      to,
      'ok',
      `${tr('退款已提交，等待通道确认', 'Refund asked; waiting for the provider to confirm it')}: ${r.msg ?? ''}`,
    );
  } catch (err) {
    if (err instanceof RefundRefused) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
});

router.post('/orders/:id/deliveries/:did/resend', async (c) => {
  const o = await ownOrder(c);
  const did = c.req.param('did');
  if (!o || !/^\d{1,15}$/.test(did)) return notFound(c);
  const d = await c
    .get('db')
    .query.deliveries.findFirst({ where: and(eq(deliveries.id, Number(did)), eq(deliveries.orderId, o.id)) });
  if (!d) return notFound(c);
  const to = `${mbase(o.merchantId)}/orders/${o.id}`;
  const { tr } = c.get('ctx');
  try {
    const after = await resend(c.env, c.get('db'), d.id);
    return redirectWith(
      c,
      to,
      after.status === 'delivered' ? 'ok' : 'error',
      after.status === 'delivered'
        ? tr('已重发，商户已确认。', 'Resent; the merchant acknowledged it.')
        : tr('已重发，但未被确认。', 'Resent, but not acknowledged.'),
    );
  } catch (err) {
    if (err instanceof ApiError) return redirectWith(c, to, 'error', err.message);
    throw err;
  }
});

export default router;
