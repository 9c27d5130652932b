/**
 * The demo `npm start` makes sure of, through the admin API: a sandbox merchant "Demo shop" with
 * an app paid into a sandbox Alipay wallet (a collection session), and an app whose orders of
 * every type go through the official channels (routing `official`: the built-in simulators, no
 * setup). The simulators show an order's subject, by default its app's name, so that name must
 * be true for every type it serves. Each part is created only if missing; a secret not in `saved`
 * (what creation revealed last time) is rotated.
 */

export const DEMO_APP = 'Demo app';
export const OFFICIAL_APP = 'Demo app (official channels)';
/** The official app's name before it served every type (checkouts made then still have it). */
const OLD_OFFICIAL_APP = 'Demo app (Alipay official)';
const OFFICIAL_ROUTING = { alipay: 'official', wechat: 'official', qqpay: 'official', unionpay: 'official' };

/**
 * `admin(method, path, body?)` calls `/admin/v1` (throws on an error); `base` is the gateway's
 * origin; `saved` the demo of the last run. Returns the demo to save (and print).
 */
export async function ensureDemo({ admin, base, saved = {}, log = () => {} }) {
  let merchant = (await admin('GET', '/merchants')).data.find((m) => m.name === 'Demo shop');
  if (!merchant) {
    merchant = await admin('POST', '/merchants', { name: 'Demo shop' });
    log(`created merchant "Demo shop" (id ${merchant.id})`);
  }
  const m = `/merchants/${merchant.id}`;
  const urls = { notify_url: `${base}/demo/notify`, return_url: `${base}/demo/return` };
  const apps = (await admin('GET', `${m}/apps`)).data;

  /** The app named `name` (or `formerly`), created with `extra` if missing, renamed and updated to match. */
  async function ensureApp(name, extra, was, formerly) {
    let app = apps.find((a) => a.name === name) ?? apps.find((a) => a.name === formerly);
    if (!app) {
      app = await admin('POST', `${m}/apps`, { name, mode: 'sandbox', ...urls, ...extra });
      log(`created sandbox app ${app.appkey} (${name})`);
      return app;
    }
    const secret = was?.appkey === app.appkey ? was.appsecret : undefined;
    const stale = app.name !== name || app.notify_url !== urls.notify_url || app.return_url !== urls.return_url;
    // The port may differ from the last start; an app of an older demo gets today's name and routing.
    if (stale) app = { ...app, ...(await admin('PATCH', `/apps/${app.appkey}`, { name, ...urls, ...extra })) };
    if (secret) return { ...app, appsecret: secret };
    log(`app ${app.appkey} had no saved secret: rotated it`);
    return admin('POST', `/apps/${app.appkey}/rotate-secret`);
  }

  const app = await ensureApp(DEMO_APP, {}, saved);

  let session = (await admin('GET', `${m}/sessions`)).data.find((s) => s.label === 'Demo wallet');
  if (!session) {
    session = await admin('POST', `${m}/sessions`, {
      type: 'alipay',
      label: 'Demo wallet',
      qr_payload: 'https://qr.alipay.com/demo-not-a-real-code',
      mode: 'sandbox',
    });
    log(`created sandbox alipay session ${session.id}`);
  } else if (saved.session?.id === session.id && saved.session.secret) {
    session = { ...session, ...saved.session };
  } else {
    session = await admin('POST', `/sessions/${session.id}/rotate-secret`);
    log(`session ${session.id} had no saved secret: rotated it`);
  }

  const official = await ensureApp(OFFICIAL_APP, { routing: OFFICIAL_ROUTING }, saved.official, OLD_OFFICIAL_APP);

  return {
    base,
    merchant_id: merchant.id,
    appkey: app.appkey,
    appsecret: app.appsecret,
    session: { id: session.id, secret: session.secret, monitor_config: session.monitor_config },
    official: { appkey: official.appkey, appsecret: official.appsecret },
    epay_pid: app.epay_pid ?? app.id,
    vmq_config: session.vmq_host ? `${session.vmq_host}/${session.secret}` : null,
  };
}
