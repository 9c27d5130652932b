#!/usr/bin/env node
/**
 * `npm run demo [price]`: creates a sandbox order on each demo app that `npm start` set up (keys
 * in .wrangler/demo.json) with a correctly signed request, and prints their cashier pages: one
 * paid into the personal demo wallet, one through the official Alipay channel (its simulator).
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
async function create(app, label) {
  const p = {
    appkey: app.appkey,
    price: process.argv[2] ?? '10.00',
    type: 'alipay',
    out_order_id: `demo-${label}-${Date.now()}`,
    custom: 'demo user',
  };
  p.sign = md5(md5(p.appkey + p.price + p.type + p.out_order_id + p.custom) + app.appsecret);
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
  const via = o.channel ? `official ${o.channel} channel` : 'personal wallet';
  console.log(
    `${via}: order ${o.order_id} (${o.out_order_id}): pay ¥${o.realprice} (asked ¥${o.price}) before ${new Date(o.expires_at * 1000).toLocaleTimeString()}`,
  );
  console.log(`  cashier page: ${o.pay_url}`);
}

await create(demo, 'wallet');
if (demo.official) await create(demo.official, 'official');
else console.log('(restart `npm start` to add the official-channel demo app)');
