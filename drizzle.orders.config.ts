import { defineConfig } from 'drizzle-kit';

/** The order tables alone, for the order stores `ORDERS_n` (SPEC §14.1); `DB` has them through drizzle.config.ts. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/order-store.ts',
  out: './migrations/orders',
});
