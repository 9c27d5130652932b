#!/usr/bin/env node
/**
 * `npm run demo [price]`: creates a sandbox order on the demo app that `npm start` set up
 * (keys in .wrangler/demo.json) with a correctly signed request, and prints its cashier page.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

const FILE = '.wrangler/demo.json';
if (!existsSync(FILE)) {
  console.error('demo: no demo yet; run `npm start` first (it creates the demo merchant and app)');
  process.exit(2);
}
const demo = JSON.parse(readFileSync(FILE, 'utf8'));
const base = demo.base ?? `http://127.0.0.1:${process.env.PORT || 8787}`;
const md5 = (s) => createHash('md5').update(s).digest('hex');
const p = {
  appkey: demo.appkey,
  price: process.argv[2] ?? '10.00',
  type: 'alipay',
  out_order_id: `demo-${Date.now()}`,
  custom: 'demo user',
};
p.sign = md5(md5(p.appkey + p.price + p.type + p.out_order_id + p.custom) + demo.appsecret);

const res = await fetch(`${base}/api/cloudpay/create`, { method: 'POST', body: new URLSearchParams(p) }).catch(
  (err) => {
    console.error(`demo: cannot reach ${base} (${err.message}); is \`npm start\` running?`);
    process.exit(1);
  },
);
const answer = await res.json();
if (answer.code !== 100) {
  console.error(`demo: create answered code ${answer.code}: ${answer.msg}`);
  process.exit(1);
}
const o = answer.data;
console.log(
  `order ${o.order_id} (${o.out_order_id}): pay ¥${o.realprice} (asked ¥${o.price}) before ${new Date(o.expires_at * 1000).toLocaleTimeString()}`,
);
console.log(`cashier page: ${o.pay_url}`);
