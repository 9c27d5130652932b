/**
 * Money: integer fen inside, decimal yuan strings on the wire (SPEC §2).
 * Accepted input: `^\d{1,9}(\.\d{1,2})?$`, > 0 and ≤ the configured maximum.
 */
const YUAN = /^\d{1,9}(\.\d{1,2})?$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a yuan string to fen, or says why it is not an amount. */
export function parseYuan(input: unknown, maxFen: number): Parsed<number> {
  if (typeof input !== 'string' || !YUAN.test(input)) {
    return { ok: false, error: 'must be a decimal yuan string like "10.00" (digits, at most 2 decimals)' };
  }
  const [whole, frac = ''] = input.split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (fen <= 0) return { ok: false, error: 'must be greater than 0' };
  if (fen > maxFen) return { ok: false, error: `must be at most ${formatFen(maxFen)}` };
  return { ok: true, value: fen };
}

export const PLAIN_YUAN = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/;

/**
 * Parses a yuan string written plainly — §2's form without leading zeros (`00.10` and `01` are
 * refused) — as the compatibility facades take it, so every accepted string has one meaning.
 */
export function parsePlainYuan(input: unknown, maxFen: number): Parsed<number> {
  if (typeof input !== 'string' || !PLAIN_YUAN.test(input)) {
    return {
      ok: false,
      error: 'must be a plain decimal yuan string like "1", "1.5" or "10.00" (no sign, exponent or leading zeros)',
    };
  }
  return parseYuan(input, maxFen);
}

/** Formats fen the way PHP prints the float: no trailing zeros ("1", "1.5", "0.01"). */
export function formatFenTrimmed(fen: number): string {
  return formatFen(fen).replace(/\.?0+$/, '');
}

/** Formats fen as a yuan string with exactly two decimals ("10.20"). */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be an integer, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The largest order price: `MAX_AMOUNT` (yuan) when it parses, else 50000.00. */
export function maxAmountFen(configured: string | undefined): number {
  const parsed = parseYuan(configured ?? '', Number.MAX_SAFE_INTEGER);
  return parsed.ok ? parsed.value : 5_000_000;
}
