/**
 * Export (SPEC §14.2): `GET /admin/v1/merchants/:id/export?from&to&format` streams every order the
 * merchant created in [from, to] — its days (Asia/Shanghai here), both included — oldest first,
 * each exactly once, across pages of the store; bad dates are 422 naming the field.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin, ADMIN_TOKEN, BASE, gatepay, merchantDb, setupMerchant, signedCreate, uniqueKey } from '../helpers';

const at = (iso: string) => Date.parse(iso);
const download = (merchantId: number, query: string) =>
  SELF.fetch(`${BASE}/admin/v1/merchants/${merchantId}/export?${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });

describe('export', () => {
  let merchantId: number;
  let other: number;
  const made: Record<string, number> = {};
  beforeAll(async () => {
    const shop = await setupMerchant({ mode: 'sandbox', store: 'ORDERS_2' });
    const elsewhere = await setupMerchant({ mode: 'sandbox', store: 'DB' });
    merchantId = shop.merchant.id;
    other = elsewhere.merchant.id;
    // Four orders at the edges of 2026-12-01 … 2026-12-07 in Shanghai (UTC+8).
    const times = {
      before: at('2026-11-30T15:59:59.999Z'),
      first: at('2026-11-30T16:00:00.000Z'),
      last: at('2026-12-07T15:59:59.999Z'),
      after: at('2026-12-07T16:00:00.000Z'),
    };
    const d1 = await merchantDb(merchantId);
    for (const [name, ms] of Object.entries(times)) {
      const r = await gatepay('create', await signedCreate(shop.app, { price: '1.00', out_order_id: uniqueKey(name) }));
      made[name] = r.data.order_id;
      await d1.prepare('UPDATE orders SET created_ms = ? WHERE id = ?').bind(ms, r.data.order_id).run();
    }
    // 2,500 more inside the window, written straight to the store (three pages of 1,000).
    await d1
      .prepare(
        `WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j + 1 < 2500)
         INSERT INTO orders (id, merchant_id, app_id, mode, out_order_id, type, price_fen, realprice_fen, custom, product_id,
           session_id, status, pay_token, qr_payload, created_ms, expires_ms)
         SELECT 2 * 10000000000000 + 500000 + j, ?1, ?2, 'sandbox', 'bulk-' || j, 'alipay', 100 + j, 100 + j, '', '', 0,
           'expired', 'bulk' || j, 'x', ?3 + (j % 50) * 1000, ?3 + 600000 FROM n`,
      )
      .bind(merchantId, shop.app.id, at('2026-12-03T04:00:00Z'))
      .run();
    const stray = await gatepay(
      'create',
      await signedCreate(elsewhere.app, { price: '1.00', out_order_id: uniqueKey('x') }),
    );
    await (await merchantDb(other))
      .prepare('UPDATE orders SET created_ms = ? WHERE id = ?')
      .bind(at('2026-12-03T04:00:00Z'), stray.data.order_id)
      .run();
  });

  it('streams the window oldest first, each order once, as NDJSON', async () => {
    const res = await download(merchantId, 'from=2026-12-01&to=2026-12-07&format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="orders-2026-12-01-2026-12-07.ndjson"');
    const rows = (await res.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2502);
    expect(rows[0]).toMatchObject({ order_id: made.first, created: '2026-12-01 00:00:00', status: 'pending' });
    expect(rows.at(-1)).toMatchObject({ order_id: made.last, created: '2026-12-07 23:59:59' });
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(2502);
    const order = rows.map((r) => `${r.created}|${String(r.order_id).padStart(16, '0')}`);
    expect(order).toEqual([...order].sort());
    expect(rows.map((r) => r.order_id)).not.toContain(made.before);
    expect(rows.map((r) => r.order_id)).not.toContain(made.after);
  });

  it("streams CSV with the console download's columns, a BOM and CRLF lines", async () => {
    const res = await download(merchantId, 'from=2026-12-07&to=2026-12-07');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // Decoded keeping the BOM (Response.text() drops it).
    const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(
      text.startsWith(
        '\ufefforder_id,out_order_id,status,type,mode,price,realprice,custom,session_id,created,paid_at\r\n',
      ),
    ).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines).toHaveLength(3); // header, the last order, and the empty tail after the final CRLF
    expect(lines[1]).toMatch(
      new RegExp(
        `^"${made.last}","[^"]+","pending","alipay","sandbox","1.00","\\d\\.\\d{2}","","\\d+","2026-12-07 23:59:59",""$`,
      ),
    );
  });

  it("gives another merchant's export only its own orders", async () => {
    const rows = (await (await download(other, 'from=2026-12-03&to=2026-12-03&format=ndjson')).text())
      .trimEnd()
      .split('\n');
    expect(rows).toHaveLength(1);
  });

  it.each([
    ['to=2026-12-07', 'from: missing: a date YYYY-MM-DD'],
    ['from=2026-02-30&to=2026-03-01', 'from: "2026-02-30" is not a date YYYY-MM-DD'],
    ['from=2026-13-01&to=2027-01-01', 'from: "2026-13-01" is not a date YYYY-MM-DD'],
    ['from=2026-12-01&to=12/07/2026', 'to: "12/07/2026" is not a date YYYY-MM-DD'],
    ['from=2026-12-07&to=2026-12-01', 'to: 2026-12-01 is before from 2026-12-07'],
    ['from=2026-12-01&to=2026-12-07&format=xml', 'format: csv or ndjson'],
  ])('%s → 422 %s', async (query, message) => {
    const r = await admin('GET', `/merchants/${merchantId}/export?${query}`);
    expect(r.status).toBe(422);
    expect(r.body.error.message).toBe(message);
  });

  it('answers 404 for a merchant that does not exist', async () => {
    expect((await admin('GET', '/merchants/999999/export?from=2026-12-01&to=2026-12-01')).status).toBe(404);
  });
});
