/**
 * Points and plans (SPEC §7), the pure part: 100 points = 1 yuan, so one point is one fen. An
 * order's fee is a fixed number of points plus a per-mille of its amount, rounded up to a whole
 * point; a plan's month is the calendar month in the merchant's time zone.
 */
import { localClock } from './clock';

export interface OrderFeePlan {
  points: number;
  permille: number;
}

/** What a live order's guarded insert needs of the merchant's plan: its fee and monthly quota (null: none). */
export interface OrderPlan extends OrderFeePlan {
  monthlyQuota: number | null;
}

/** The points a live order of `priceFen` costs: `points + ceil(priceFen × permille / 1000)`. */
export const orderFee = (priceFen: number, plan: OrderFeePlan): number =>
  plan.points + Math.ceil((priceFen * plan.permille) / 1000);

/** `YYYY-MM` of `ms` in `timeZone`: the month a monthly quota counts. */
export const planMonth = (ms: number, timeZone: string): string => localClock(ms, timeZone).day.slice(0, 7);

/** The live orders counted against the quota in `month`: `quota_used` counts `quota_month` only. */
export const quotaUsedIn = (m: { quotaMonth: string | null; quotaUsed: number }, month: string): number =>
  m.quotaMonth === month ? m.quotaUsed : 0;

/** The ledger reference of a session's onboarding for its `seq`-th issued monitor config. */
export const onboardingRef = (sessionId: number, seq: number) => `session:${sessionId}#${seq}`;
export const orderRef = (orderId: number) => `order:${orderId}`;
