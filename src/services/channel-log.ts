/** The channel log read back: every provider call and notify of a config, an order or its refunds, as stored. */
import { desc, eq, inArray } from 'drizzle-orm';
import { channelLog } from '../db/schema';
import type { Db } from '../env';

/** A config's latest entries, newest first (forged notifies included). */
export const configLog = (db: Db, configId: number, limit = 100) =>
  db.select().from(channelLog).where(eq(channelLog.configId, configId)).orderBy(desc(channelLog.id)).limit(limit);

/** An order's entries, oldest first. */
export const orderLog = (db: Db, orderId: number) =>
  db.select().from(channelLog).where(eq(channelLog.orderId, orderId)).orderBy(channelLog.id);

/** The entries of these refunds, oldest first (none asked, none read). */
export const refundsLog = async (db: Db, refundIds: number[]) =>
  refundIds.length
    ? db.select().from(channelLog).where(inArray(channelLog.refundId, refundIds)).orderBy(channelLog.id)
    : [];
