import { describe, expect, it } from 'vitest';
import { isInternalHost, outboundUrlProblem } from '../../src/domain/ssrf';

/** `new URL().hostname` of a URL, as the guard receives it. */
const host = (url: string) => new URL(url).hostname;

describe('isInternalHost: IPv6 forms that carry or reach an internal address', () => {
  it.each([
    // 6to4 (2002::/16): judged by the IPv4 in groups 2-3
    ['http://[2002:7f00:1::]/', '6to4 around 127.0.0.1'],
    ['http://[2002:a00:1::1]/', '6to4 around 10.0.0.1'],
    ['http://[2002:a9fe:a9fe::]/', '6to4 around 169.254.169.254'],
    ['http://[2002:c0a8:101::]/', '6to4 around 192.168.1.1'],
    // NAT64 (64:ff9b::/96): judged by the IPv4 in the last 32 bits; the local-use 64:ff9b:1::/48 always
    ['http://[64:ff9b::127.0.0.1]/', 'NAT64 around 127.0.0.1'],
    ['http://[64:ff9b::a00:1]/', 'NAT64 around 10.0.0.1'],
    ['http://[64:ff9b:1::808:808]/', 'local-use NAT64 (RFC 8215)'],
    // IPv4-translated (::ffff:0:0:0/96, RFC 2765), whatever it embeds
    ['http://[::ffff:0:7f00:1]/', 'IPv4-translated 127.0.0.1'],
    ['http://[::ffff:0:808:808]/', 'IPv4-translated 8.8.8.8'],
    // site-local (fec0::/10, deprecated but still routed by some stacks)
    ['http://[fec0::1]/', 'site-local'],
    ['http://[feff:ffff::1]/', 'site-local, top of the range'],
    // Teredo (2001::/32) tunnels to an address hidden in the suffix
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
    ['http://[2001::1]/', 'Teredo, short'],
    // discard-only (100::/64)
    ['http://[100::1]/', 'discard-only'],
    ['http://[100::ffff:ffff:ffff:ffff]/', 'discard-only, top of the range'],
  ])('%s (%s) is internal', (url) => {
    expect(isInternalHost(host(url))).toBe(true);
    expect(outboundUrlProblem(url, true)).toBe(
      `host ${host(url)} is a loopback, private or internal address, refused in live mode`,
    );
    expect(outboundUrlProblem(url, false)).toBeNull();
  });

  it.each([
    ['http://[2002:808:808::]/', '6to4 around 8.8.8.8'],
    ['http://[64:ff9b::808:808]/', 'NAT64 around 8.8.8.8'],
    ['http://[2001:4860:4860::8888]/', 'Google DNS (2001:4860::/32 is not Teredo)'],
    ['http://[2001:1::1]/', '2001:1::/32, next to Teredo'],
    ['http://[100:0:0:1::1]/', '100:0:0:1::/64, next to discard-only'],
    ['http://[2606:4700::1111]/', 'Cloudflare DNS'],
    ['http://[::ffff:8.8.8.8]/', 'IPv4-mapped 8.8.8.8'],
    ['http://[fe00::1]/', 'fe00::/9, below link-local'],
  ])('%s (%s) is public', (url) => {
    expect(isInternalHost(host(url))).toBe(false);
    expect(outboundUrlProblem(url, true)).toBeNull();
  });
});
