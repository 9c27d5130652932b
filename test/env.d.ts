declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('@cloudflare/vitest-pool-workers').D1Migration[];
  }
}

/** Text fixtures imported as strings (Vite's `?raw`). */
declare module '*?raw' {
  const text: string;
  export default text;
}
