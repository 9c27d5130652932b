declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('@cloudflare/vitest-pool-workers').D1Migration[];
    TEST_ORDER_MIGRATIONS: import('@cloudflare/vitest-pool-workers').D1Migration[];
    /** The order stores the test pool binds besides DB (vitest.config.ts). */
    ORDERS_1: D1Database;
    ORDERS_2: D1Database;
  }
}

/** Text fixtures imported as strings (Vite's `?raw`). */
declare module '*?raw' {
  const text: string;
  export default text;
}

/** tenpay ships no types; the protocol tests use its signer, XML helpers and nonce. */
declare module 'tenpay' {
  export default class Tenpay {
    constructor(config: { appid: string; mchid: string; partnerKey: string });
    _getSign(params: Record<string, string>, type?: 'MD5' | 'HMAC-SHA256'): string;
  }
}
declare module 'tenpay/lib/util.js' {
  const util: {
    buildXML(obj: Record<string, string>): string;
    parseXML(xml: string): Promise<Record<string, string>>;
    generate(length?: number): string;
  };
  export default util;
}
