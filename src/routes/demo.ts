/**
 * A stand-in merchant for the first run (`npm start`): `POST /demo/notify` acknowledges the
 * async notify with `success`, `GET /demo/return` is the page the payer lands on. They hold no
 * state and verify nothing; a real shop verifies the sign (see the README).
 */
import { html } from 'hono/html';
import { createRouter } from '../env';

const demo = createRouter();

demo.post('/notify', (c) => c.text('success'));

demo.get('/return', (c) => {
  const q = c.req.query();
  return c.html(html`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo shop</title></head>
<body style="font:16px/1.6 system-ui,sans-serif;max-width:560px;margin:3rem auto;padding:0 1rem">
<h1>Back at the demo shop</h1><p>Order <strong>${q.out_order_id ?? '?'}</strong> (huipay order ${q.order_id ?? '?'}) is paid: ¥${q.price ?? '?'} by ${q.type ?? '?'}.</p>
<p>A real shop checks <code>sign</code> = md5(md5(appkey + price + type + product_id + order_id + out_order_id) + appsecret) before trusting these values.</p>
<p><a href="/">huipay home</a></p></body></html>`);
});

export default demo;
