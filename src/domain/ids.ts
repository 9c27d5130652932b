/** Random, unguessable identifiers (payment ids, pay tokens, secrets). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random base62 characters (unbiased: bytes ≥ 248 are skipped). */
export function randomToken(length = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let out = '';
  for (const b of bytes) {
    if (b < 248) out += ALPHABET[b % 62];
    if (out.length === length) return out;
  }
  return out + randomToken(length - out.length);
}

/** A prefixed id such as `pay_3fK9…`. */
export const randomId = (prefix: string, length = 20) => `${prefix}_${randomToken(length)}`;

const LABEL_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random characters of a-z 0-9 (unbiased: bytes ≥ 252 are skipped), usable as a DNS label. */
export function randomLabel(length = 12): string {
  let out = '';
  while (out.length < length)
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2)))
      if (b < 252 && out.length < length) out += LABEL_ALPHABET[b % 36];
  return out;
}
