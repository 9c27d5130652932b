/** `GET /qrcode?text=…&size=…`: any text as an SVG QR code (what `qrcode_url` points at). */
import { renderSVG } from 'uqr';
import { createRouter } from '../env';
import { ApiError } from '../errors';

const qrcode = createRouter();

qrcode.get('/', (c) => {
  const text = c.req.query('text');
  const size = Number(c.req.query('size') ?? 256);
  if (!text) throw new ApiError('bad_request', 'text: required, the text to encode');
  if (text.length > 1024) throw new ApiError('bad_request', 'text: at most 1024 characters');
  if (!Number.isInteger(size) || size < 64 || size > 1024) throw new ApiError('bad_request', 'size: an integer from 64 to 1024 (pixels)');
  const svg = renderSVG(text, { border: 2 }).replace('<svg ', `<svg width="${size}" height="${size}" `);
  return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'public, max-age=86400' });
});

export default qrcode;
