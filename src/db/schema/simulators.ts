/**
 * The built-in provider simulators' own state (SPEC §11.6): their key pairs, trades and refunds,
 * as the provider would hold them. Neither huipay plane: the sandbox providers' side of the wire.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { now } from './columns';

/** The built-in simulators' own key pairs, made once per deployment (SPEC §11.6). */
export const simKeys = sqliteTable('sim_keys', {
  channel: text('channel').primaryKey(),
  privateEnc: text('private_enc').notNull(),
  /** Base64 SPKI. */
  publicKey: text('public_key').notNull(),
  /** Public material issued for the key (UnionPay: the simulator's root, middle and signing certificates). */
  material: text('material', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  createdMs: integer('created_ms').notNull().default(now),
});

/** A trade at a built-in simulator, as the provider would hold it. */
export const simTrades = sqliteTable(
  'sim_trades',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    channel: text('channel').notNull(),
    account: text('account').notNull(),
    outTradeNo: text('out_trade_no').notNull(),
    /** The simulated provider's transaction number. */
    tradeNo: text('trade_no').notNull().unique(),
    /** Names the trade in the payer page's and the QR code's URLs. */
    token: text('token').notNull().unique(),
    amountFen: integer('amount_fen').notNull(),
    subject: text('subject').notNull(),
    /** The API that created it (`alipay.trade.precreate`, `alipay.trade.wap.pay`, ...). */
    api: text('api').notNull(),
    status: text('status').notNull(),
    notifyUrl: text('notify_url'),
    returnUrl: text('return_url'),
    quitUrl: text('quit_url'),
    /** The origin the gateway was called on (its own notify target when they match). */
    origin: text('origin').notNull(),
    expiresMs: integer('expires_ms'),
    refundedFen: integer('refunded_fen').notNull().default(0),
    createdMs: integer('created_ms').notNull(),
    paidMs: integer('paid_ms'),
    closedMs: integer('closed_ms'),
    notifyState: text('notify_state', { enum: ['none', 'pending', 'delivered', 'skipped', 'failed'] })
      .notNull()
      .default('none'),
    notifyAttempts: integer('notify_attempts').notNull().default(0),
    nextNotifyMs: integer('next_notify_ms'),
    /** What else the provider keeps of the trade (WeChat `appid` and payer, UnionPay `txnTime`, ...). */
    extra: text('extra', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  },
  (t) => [
    uniqueIndex('sim_trades_out').on(t.channel, t.account, t.outTradeNo),
    index('sim_trades_notify').on(t.nextNotifyMs),
  ],
);

export const simRefunds = sqliteTable(
  'sim_refunds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tradeId: integer('trade_id').notNull(),
    outRequestNo: text('out_request_no').notNull(),
    amountFen: integer('amount_fen').notNull(),
    createdMs: integer('created_ms').notNull(),
    /** What else the provider keeps of the refund (its refund id, UnionPay `txnTime`, ...). */
    extra: text('extra', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  },
  (t) => [uniqueIndex('sim_refunds_request').on(t.tradeId, t.outRequestNo)],
);

export type SimTrade = typeof simTrades.$inferSelect;
