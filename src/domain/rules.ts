/**
 * Collection rules (SPEC §4.3): when, for which amounts, for which payer regions and up to what
 * daily total a session may collect. A null rule allows everything.
 */
import { localClock } from './clock';

export interface RuleSpec {
  startMinute: number;
  endMinute: number;
  timezone: string | null;
  minFen: number | null;
  maxFen: number | null;
  /** ISO country codes (`CN`, `US`) or China province codes (`CN-GD`); empty = anywhere. */
  regions: string[];
  dailyCapFen: number | null;
}

export interface PayerRegion {
  country?: string | null;
  regionCode?: string | null;
}

/** A region as rules and the `payer_region` parameter write it: `CN`, `US`, `CN-GD` (case-insensitive). */
export const REGION_PATTERN = /^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$/;

/** Parses `CN-GD` / `us` into a payer region, or null when it is not of that form. */
export function parseRegion(text: string): PayerRegion | null {
  if (!REGION_PATTERN.test(text)) return null;
  const [country, regionCode] = text.toUpperCase().split('-');
  return { country, regionCode: regionCode ?? null };
}

export interface RuleContext {
  nowMs: number;
  amountFen: number;
  region: PayerRegion;
  /** Amount the session has collected today (merchant's day). */
  collectedTodayFen: number;
  /** Zone used when the rule names none (the merchant's). */
  defaultTimezone: string;
}

/** True when `minute` lies in [start, end); start > end wraps midnight; start == end is all day. */
export function inWindow(minute: number, start: number, end: number): boolean {
  if (start === end) return true;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** True when the payer's region is one the rule lists (country, or country-province). */
export function regionAllowed(regions: readonly string[], region: PayerRegion): boolean {
  if (regions.length === 0) return true;
  const country = region.country?.toUpperCase();
  if (!country) return false;
  const province = region.regionCode ? `${country}-${region.regionCode.toUpperCase()}` : null;
  return regions.some((r) => r === country || r === province);
}

/** Why the rule refuses this order, or null when it allows it. */
export function ruleRefusal(rule: RuleSpec | null, ctx: RuleContext): string | null {
  if (!rule) return null;
  const { minute } = localClock(ctx.nowMs, rule.timezone ?? ctx.defaultTimezone);
  if (!inWindow(minute, rule.startMinute, rule.endMinute)) return 'outside active hours';
  if (rule.minFen !== null && ctx.amountFen < rule.minFen) return 'below minimum amount';
  if (rule.maxFen !== null && ctx.amountFen > rule.maxFen) return 'above maximum amount';
  if (!regionAllowed(rule.regions, ctx.region)) return 'payer region not allowed';
  if (rule.dailyCapFen !== null && ctx.collectedTodayFen + ctx.amountFen > rule.dailyCapFen) return 'daily cap reached';
  return null;
}
