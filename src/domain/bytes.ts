/** Bytes as text: lowercase hex (digests, ids) — the one copy every module uses. */

/** Lowercase hex of the bytes, two digits each. */
export const hex = (bytes: ArrayBuffer | Uint8Array): string =>
  [...(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

/** `n` random bytes from the platform's CSPRNG, as hex. */
export const randomHex = (n: number): string => hex(crypto.getRandomValues(new Uint8Array(n)));
