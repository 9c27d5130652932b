/** `GET /qrcode?text=…&size=…`: any text as an SVG QR code (what `qrcode_url` points at). */
import { decodeForm } from '../domain/form';
import { createRouter } from '../env';
import { HuipayError } from '../errors';
import { qrSvg } from '../views/qr';

const qrcode = createRouter();

/** A query parameter decoded strictly (undefined when absent): bad percent-encoding is an error, never U+FFFD. */
function strictQuery(url: string, name: string): string | undefined {
  const decoded = decodeForm(new URL(url).search.slice(1));
  if (!decoded.ok) throw new HuipayError('bad_request', decoded.error);
  return decoded.pairs.find(([k]) => k === name)?.[1];
}

qrcode.get('/', (c) => {
  const text = strictQuery(c.req.url, 'text');
  const size = strictQuery(c.req.url, 'size') ?? '256';
  if (!text) throw new HuipayError('bad_request', 'text: required, the text to encode');
  if (text.length > 1024) throw new HuipayError('bad_request', 'text: at most 1024 characters');
  if (!/^\d{2,4}$/.test(size) || Number(size) < 64 || Number(size) > 1024)
    throw new HuipayError('bad_request', 'size: an integer from 64 to 1024 (pixels)');
  const svg = qrSvg(text).replace('<svg ', `<svg width="${size}" height="${size}" `);
  return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'public, max-age=86400' });
});

export default qrcode;
