/**
 * What counts as an untranslated word on a Chinese console page: a run of Latin letters that is
 * neither in this short list (abbreviations and brands Chinese pages write in Latin letters) nor
 * data — numbers, codes with digits or `_` (ak_…, H5, 2xx), URLs and e-mail addresses.
 */
export const LATIN_IN_ZH = new Set([
  'API',
  'APP',
  'CSRF',
  'CSV',
  'HTTP',
  'ID',
  'JSAPI',
  'JSON',
  'QQ',
  'QR',
  'TOTP',
  'URL',
  'Webhook',
  'huipay',
  'ms',
]);

/** The untranslated words of one label of a zh page (empty: the label is fine). */
export function untranslated(text: string): string[] {
  const words =
    text
      .replace(/https?:\/\/\S+/g, ' ')
      .replace(/\S+@\S+/g, ' ')
      .match(/[A-Za-z0-9_]+/g) ?? [];
  return words.filter((w) => /^[A-Za-z]{2,}$/.test(w) && !LATIN_IN_ZH.has(w));
}
