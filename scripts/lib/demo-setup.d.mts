/** Types of demo-setup.mjs, for the tests that run it. */
export const DEMO_APP: string;
export const OFFICIAL_APP: string;

export interface Demo {
  base: string;
  merchant_id: number;
  appkey: string;
  appsecret: string;
  session: { id: number; secret: string; monitor_config: string };
  official: { appkey: string; appsecret: string };
  epay_pid: number;
  vmq_config: string | null;
}

export function ensureDemo(opts: {
  admin: (method: string, path: string, body?: unknown) => Promise<any>;
  base: string;
  saved?: Partial<Demo>;
  log?: (msg: string) => void;
}): Promise<Demo>;
