/**
 * Console, merchant side: one order — its facts (and its official channel's), a timeline in time
 * order of creation, payment, expiry (to come or past), refunds and every notify and webhook
 * attempt — and its actions: close,
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
import type { Child } from 'hono/jsx';
import type { ChannelMethod, WebhookEvent } from '../../domain/vocab';
import { consoleRouter, field, notFound, ownOrder, redirectWith, refuse } from '../core';
import type { Labels } from '../i18n';
import { Badge, Csrf, Data, FieldName, mbase, page, PostButton, type PageCtx, when } from '../layout';

const router = consoleRouter();

/** A console refund's idempotency key: made when the form is shown, so a form sent twice is one refund. */
const OUT_REFUND_NO = /^console_[A-Za-z0-9]{24}$/;

/** What can still be refunded of a paid channel order: paid less pending and succeeded refunds. */
const refundableFen = (o: Order, rs: Refund[]) =>
  o.realpriceFen - rs.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amountFen, 0);

/** The refund action: a form for a paid channel order, else a disabled button saying why not. */
function RefundAction({ ctx, o, refunds, base }: { ctx: PageCtx; o: Order; refunds: Refund[]; base: string }) {
  const { t } = ctx;
  const left = refundableFen(o, refunds);
  const why =
    o.channel === null
      ? t.refundNeedsChannel
      : o.status !== 'paid' && o.status !== 'refunded'
        ? t.refundOnlyPaid
        : left <= 0
          ? t.refundNothingLeft
          : null;
  if (why)
    return (
      <>
        <button type="button" disabled aria-describedby="refund-why">
          {t.refund}
        </button>{' '}
        <span id="refund-why" class="muted">
          {why}
        </span>
      </>
    );
  return (
    <form method="post" action={`${base}/orders/${o.id}/refunds`} aria-label={t.refund}>
      <Csrf ctx={ctx} />
      <input type="hidden" name="out_refund_no" value={`console_${randomToken(24)}`} />
      <div class="row">
        <div>
          <label for="r-amount">{t.refundAmount}</label>
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
            {t.refundable} ¥{formatFen(left)}
          </span>
        </div>
        <div>
          <label for="r-reason">{t.refundReason}</label>
          <input id="r-reason" name="reason" maxlength={256} />
        </div>
      </div>
      <button type="submit" class="danger">
        {t.refund}
      </button>
    </form>
  );
}

/** One line of the timeline: when, what (and its colour: ok, bad, or still to come). */
interface Event {
  ms: number;
  kind?: 'ok' | 'bad' | 'due';
  body: Child;
}

/** A refund's events: asked, and (once final) succeeded or failed. */
function refundEvents(t: Labels, r: Refund): Event[] {
  const asked: Event = {
    ms: r.createdMs,
    body: (
      <>
        {t.refundAsked} ¥{formatFen(r.amountFen)}{' '}
        <Badge kind={r.status === 'succeeded' ? 'paid' : r.status} label={t.refundStatus[r.status]} />{' '}
        <span class="mono">{r.outRefundNo}</span>
        {r.reason && (
          <>
            {' · '}
            <Data>{r.reason}</Data>
          </>
        )}
        {r.status === 'pending' && r.msg && (
          <span class="muted" translate="no">
            {' '}
            · {r.msg}
          </span>
        )}
      </>
    ),
  };
  if (r.finishedMs === null) return [asked];
  return [
    asked,
    {
      ms: r.finishedMs,
      kind: r.status === 'succeeded' ? 'ok' : 'bad',
      body: (
        <>
          {r.status === 'succeeded' ? t.refundSucceeded : t.refundFailed} ¥{formatFen(r.amountFen)}
          {r.msg && <span translate="no"> · {r.msg}</span>}
        </>
      ),
    },
  ];
}

router.get('/orders/:id', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const m = c.get('merchant');
  const ctx = c.get('ctx');
  const { t } = ctx;
  const db = c.get('db');
  const [app, payment, log, refunds] = await Promise.all([
    db.query.apps.findFirst({ where: (a, { eq }) => eq(a.id, o.appId) }),
    o.paymentId ? db.query.payments.findFirst({ where: eq(payments.id, o.paymentId) }) : Promise.resolve(undefined),
    deliveriesOfOrder(db, o.id),
    refundsOf(db, o.id),
  ]);
  const base = mbase(m.id);
  const at = (ms: number | null) => when(ms, m.timezone);
  const events: Event[] = [
    { ms: o.createdMs, body: t.orderCreated },
    ...(payment
      ? [
          {
            ms: payment.receivedMs,
            kind: 'ok' as const,
            body: (
              <>
                {t.paymentReceived} ¥{formatFen(payment.amountFen)}{' '}
                {t.paren(
                  payment.channel
                    ? t.matchedByChannel
                    : payment.matchedBy === 'manual'
                      ? t.matchedByHand
                      : t.matchedAuto,
                )}{' '}
                <span class="mono">{payment.id}</span>
                {payment.note && (
                  <>
                    {' · '}
                    <Data>{payment.note}</Data>
                  </>
                )}
              </>
            ),
          },
        ]
      : []),
    ...(o.status === 'closed' && o.closedMs !== null
      ? [{ ms: o.closedMs, kind: 'bad' as const, body: t.orderClosed }]
      : []),
    ...(o.status === 'pending'
      ? [{ ms: o.expiresMs, kind: 'due' as const, body: t.orderExpiresAt(at(o.expiresMs)) }]
      : []),
    ...(o.status === 'expired' ? [{ ms: o.expiresMs, kind: 'bad' as const, body: t.orderExpired }] : []),
    ...refunds.flatMap((r) => refundEvents(t, r)),
    ...log.flatMap(({ delivery: d, attempts }) => {
      const what =
        d.kind === 'webhook'
          ? t.webhookDelivery(t.webhookEvent[d.eventType as WebhookEvent] ?? d.eventType)
          : t.deliveryKind[d.kind];
      return [
        {
          ms: d.createdMs,
          body: (
            <>
              {what} → <span class="mono">{d.url}</span> <Badge kind={d.status} label={t.deliveryStatus[d.status]} />{' '}
              <PostButton
                ctx={ctx}
                action={`${base}/orders/${o.id}/deliveries/${d.id}/resend`}
                label={t.resend}
                kind="secondary"
              />
            </>
          ),
        },
        ...attempts.map(
          (a): Event => ({
            ms: a.startedMs,
            kind: a.ok ? 'ok' : 'bad',
            body: (
              <>
                {what} · {t.attemptNo(a.attempt)}
                {a.manual ? t.manualAttempt : ''} · HTTP {a.status ?? '—'} · {a.durationMs} ms{' '}
                {a.error && <span translate="no">· {a.error}</span>}
                <details>
                  <summary>{t.requestAndResponse}</summary>
                  <pre>{`${deliveryMethod(d.kind)} ${a.url}\n\n${a.requestBody}`}</pre>
                  <pre>{a.response ?? ''}</pre>
                </details>
              </>
            ),
          }),
        ),
      ];
    }),
  ];
  // In time order; events at the same moment keep the order above (created before paid, …).
  events.sort((a, b) => a.ms - b.ms);
  return c.html(
    page(
      ctx,
      `${t.order} #${o.id}`,
      <>
        <div class="card">
          <dl class="facts">
            <dt>{t.status}</dt>
            <dd>
              <Badge kind={o.status} label={t.orderStatus[o.status]} /> <Badge kind={o.mode} label={t.mode[o.mode]} />
            </dd>
            <dt>{t.outOrderId}</dt>
            <dd class="mono">{o.outOrderId}</dd>
            <dt>{t.priceAndRealprice}</dt>
            <dd>
              ¥{formatFen(o.priceFen)} / ¥{formatFen(o.realpriceFen)}
            </dd>
            <dt>{t.payType}</dt>
            <dd>
              {t.payTypes[o.type]} ·{' '}
              {o.channel === null ? (
                t.viaSession(o.sessionId ?? 0)
              ) : (
                <>
                  {t.officialChannelOf(t.payTypes[o.type])} · {t.method[o.method as ChannelMethod] ?? o.method}
                </>
              )}
            </dd>
            <dt>{t.app}</dt>
            <dd>{app ? <Data>{app.name}</Data> : '—'}</dd>
            <dt>
              {t.custom} <FieldName name="custom" />
            </dt>
            <dd class="mono">{o.custom || '—'}</dd>
            <dt>{t.createdAt}</dt>
            <dd>
              <time>{at(o.createdMs)}</time>
            </dd>
            <dt>{t.expiresAt}</dt>
            <dd>
              <time>{at(o.expiresMs)}</time>
            </dd>
            {o.paidMs !== null && (
              <>
                <dt>{t.paidAt}</dt>
                <dd>
                  <time>{at(o.paidMs)}</time>
                </dd>
              </>
            )}
            {o.channel !== null && (
              <>
                <dt>{t.providerTradeNo}</dt>
                <dd class="mono">{o.providerTradeNo ?? '—'}</dd>
                <dt>{t.providerTxnId}</dt>
                <dd class="mono">{o.providerTxnId ?? '—'}</dd>
                <dt>{t.refunded}</dt>
                <dd>¥{formatFen(o.refundedFen)}</dd>
              </>
            )}
          </dl>
          <div>
            {o.status === 'pending' && (
              <PostButton ctx={ctx} action={`${base}/orders/${o.id}/close`} label={t.closeOrder} kind="secondary" />
            )}{' '}
            <RefundAction ctx={ctx} o={o} refunds={refunds} base={base} />
          </div>
        </div>
        <h2>{t.timeline}</h2>
        <ol class="timeline card">
          {events.map((e) => (
            <li class={e.kind}>
              <time>{at(e.ms)}</time>
              {e.body}
            </li>
          ))}
        </ol>
      </>,
    ),
  );
});

router.post('/orders/:id/close', async (c) => {
  const o = await ownOrder(c);
  if (!o) return notFound(c);
  const { t } = c.get('ctx');
  const r = await closePending(c.env, c.get('db'), o, publicOrigin(c));
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
      c.get('db'),
      o,
      { outRefundNo, amountFen: amount.value, reason: reason || null },
      publicOrigin(c),
    );
    if (r.status === 'succeeded')
      return redirectWith(c, to, 'ok', `${t.labelled(t.refundSucceeded)}¥${formatFen(r.amountFen)}`);
    if (r.status === 'failed') return redirectWith(c, to, 'error', t.refundFailed, r.msg ?? undefined);
    return redirectWith(c, to, 'ok', t.refundWaiting, r.msg ?? undefined);
  } catch (err) {
    if (err instanceof RefundRefused) return refuse(c, to, err.message);
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
  const { t } = c.get('ctx');
  try {
    const after = await resend(c.env, c.get('db'), d.id);
    const delivered = after.status === 'delivered';
    return redirectWith(c, to, delivered ? 'ok' : 'error', delivered ? t.resentAcked : t.resentNotAcked);
  } catch (err) {
    if (err instanceof ApiError) return refuse(c, to, err.message);
    throw err;
  }
});

export default router;
