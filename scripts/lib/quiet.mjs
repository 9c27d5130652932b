/**
 * What `npm start` keeps out of wrangler's output because it is not the user's problem: workerd's
 * ERROR when a client goes away mid-answer (a closed tab while the cashier polls), the warning
 * that no cron fires locally, the offline `Request.cf` fetch and its stack (the placeholder
 * miniflare falls back to is fine locally), and the network calls a local gateway does not need
 * (usage metrics, the banner's update check).
 */
import { lookup } from 'node:dns/promises';
import { Transform } from 'node:stream';

/**
 * For wrangler's environment. Its banner is hidden for the update check behind it, which offers
 * versions Node 20 cannot run. Offline, miniflare is told not to fetch `Request.cf` at all.
 */
export async function quietEnv() {
  const online = await Promise.race([
    lookup('workers.cloudflare.com').then(
      () => true,
      () => false,
    ),
    new Promise((r) => setTimeout(() => r(false), 1500).unref()),
  ]);
  return {
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    ...(online ? {} : { CLOUDFLARE_CF_FETCH_ENABLED: 'false' }),
  };
}

const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');
/** Blocks of lines: how each starts, and what the lines after it that belong to it look like. */
const BLOCKS = [
  // workerd: `✘ [ERROR] kj::getCaughtExceptionAsKj() = kj/async-io-unix.c++:186: disconnected: ::write(…): Broken pipe`, blank lines, `stack: …`.
  { start: /\[ERROR\].*\bdisconnected: .*(Broken pipe|Connection reset by peer)/, rest: /^(\s*|\s+stack: .*)$/ },
  // No cron locally: the Sweeper's and Collectors' own alarms do its work, so there is nothing to trigger by hand.
  {
    start: /\[WARNING\].*Scheduled Workers are not automatically triggered during local development/,
    rest: /^(\s*|\s+(To manually trigger|curl |For more details).*)$/,
  },
];

/** A line filter for wrangler's stderr: drops those blocks whole, passes every other line as it came. */
export function quietLines() {
  let carry = '';
  let skipping = null;
  const keep = (line) => {
    const text = plain(line);
    if (!skipping?.rest.test(text)) skipping = BLOCKS.find((b) => b.start.test(text)) ?? null;
    return skipping === null;
  };
  return new Transform({
    transform(chunk, _enc, done) {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop();
      done(
        null,
        lines
          .filter(keep)
          .map((l) => `${l}\n`)
          .join(''),
      );
    },
    flush(done) {
      done(null, carry && keep(carry) ? carry : '');
    },
  });
}
