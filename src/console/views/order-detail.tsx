/**
 * One order's page: its facts (and its official channel's), the close and refund actions, and a
 * timeline in time order of creation, payment, expiry (to come or past), refunds and every notify
 * and webhook attempt, each delivery with its resend button.
 */
import type { Child } from 'hono/jsx';
import type { Merchant, Order, Refund } from '../../db/schema';
import { randomToken } from '../../domain/ids';
import { formatFen } from '../../domain/money';
import { deliveryMethod } from '../../domain/notify';
import type { ChannelMethod, WebhookEvent } from '../../domain/vocab';
import type { OrderDetail } from '../../services/order-detail';
import type { Labels } from '../i18n';
import { Badge, Csrf, Data, FieldName, mbase, PostButton, type PageCtx, when } from '../layout';

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

/** The order's events in time order; events at the same moment keep the order below (created before paid, …). */
function timeline(ctx: PageCtx, o: Order, { payment, log, refunds }: OrderDetail, timeZone: string): Event[] {
  const { t } = ctx;
  const base = mbase(o.merchantId);
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
      ? [{ ms: o.expiresMs, kind: 'due' as const, body: t.orderExpiresAt(when(o.expiresMs, timeZone)) }]
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
  return events.sort((a, b) => a.ms - b.ms);
}

/** The order's page body. */
export function OrderPage({ ctx, m, o, detail }: { ctx: PageCtx; m: Merchant; o: Order; detail: OrderDetail }) {
  const { t } = ctx;
  const base = mbase(m.id);
  const at = (ms: number | null) => when(ms, m.timezone);
  return (
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
          <dd>{detail.app ? <Data>{detail.app.name}</Data> : '—'}</dd>
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
          <RefundAction ctx={ctx} o={o} refunds={detail.refunds} base={base} />
        </div>
      </div>
      <h2>{t.timeline}</h2>
      <ol class="timeline card">
        {timeline(ctx, o, detail, m.timezone).map((e) => (
          <li class={e.kind}>
            <time>{at(e.ms)}</time>
            {e.body}
          </li>
        ))}
      </ol>
    </>
  );
}
