/**
 * Outbound URL safety: in live mode a callback may not target the gateway's own network —
 * loopback, private, link-local, site-local, unique-local, CGNAT, unspecified, multicast or reserved
 * addresses (IPv4, IPv6; IPv6 that embeds or tunnels to IPv4 — mapped, translated, 6to4, NAT64,
 * Teredo — by the IPv4 or outright), nor names such as `localhost` or `*.internal`.
 * The WHATWG URL parser has already folded odd IPv4 spellings (2130706433, 0x7f.1) to dotted form.
 */
const INTERNAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa|intranet|lan)$/i;

function ipv4Internal(ip: string): boolean {
  const o = ip.split('.').map(Number);
  const [a, b] = o;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && o[2] === 0) ||
    (a === 198 && (b === 18 || b === 19))
  );
}

/** Expands an IPv6 literal (no brackets) to eight 16-bit groups, or null if it is not one. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const tail = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const [a, b, c, d] = tail[1].split('.').map(Number);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  if (text.split('::').length > 2) return null;
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  if (fill < 0) return null;
  const groups = [...h, ...Array(fill).fill('0'), ...r];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

function ipv6Internal(groups: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
  const zeroHead = groups.slice(0, 5).every((g) => g === 0);
  if (zeroHead && (g5 === 0xffff || g5 === 0) && (g6 !== 0 || g5 === 0xffff)) {
    return ipv4Internal(v4(g6, g7)); // mapped / compatible IPv4
  }
  if (groups.every((g, i) => g === (i === 7 ? g7 : 0)) && g7 <= 1) return true; // :: and ::1
  if (g0 === 0x2002) return ipv4Internal(v4(g1, g2)); // 6to4 carries its IPv4 in groups 2-3
  if (g0 === 0x64 && g1 === 0xff9b && !(g2 | g3 | g4 | g5)) return ipv4Internal(v4(g6, g7)); // NAT64 64:ff9b::/96
  return (
    (g0 & 0xfe00) === 0xfc00 ||
    (g0 & 0xffc0) === 0xfe80 ||
    (g0 & 0xffc0) === 0xfec0 || // site-local
    (g0 & 0xff00) === 0xff00 ||
    g0 === 0x64 || // the rest of 0064::/16, local-use NAT64 64:ff9b:1::/48 among it
    (!(g0 | g1 | g2 | g3) && g4 === 0xffff && g5 === 0) || // IPv4-translated ::ffff:0:0:0/96
    (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8)) || // Teredo 2001::/32 (hides its target), documentation
    (g0 === 0x100 && !(g1 | g2 | g3)) // discard-only 100::/64
  );
}

/** True when `hostname` (as `new URL().hostname` gives it) names an internal address. */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return ipv4Internal(host);
  if (host.includes(':')) {
    const groups = ipv6Groups(host);
    return groups === null || ipv6Internal(groups);
  }
  return host === '' || INTERNAL_NAMES.test(host) || !host.includes('.');
}

/**
 * A URL huipay stores (callback, webhook, gateway) in its normalised form (`URL.href`: lower-case
 * scheme and host, default port dropped, dot segments resolved), or why it is refused: control
 * characters or white space (the URL parser would silently drop CR, LF and tabs), credentials,
 * anything but absolute http(s) (SPEC §10).
 */
export function normalizeHttpUrl(raw: string): { ok: true; url: string } | { ok: false; error: string } {
  if (/[\p{Cc}\s]/u.test(raw)) return { ok: false, error: 'must not contain control characters or white space' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { ok: false, error: 'must be an absolute http(s) URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, error: 'must be an absolute http(s) URL' };
  if (u.username || u.password) return { ok: false, error: 'must not carry credentials (user:password@)' };
  return { ok: true, url: u.href };
}

/** Why this callback URL may not be used, or null. `live` applies the internal-address guard. */
export function outboundUrlProblem(url: string, live: boolean): string | null {
  const parsed = normalizeHttpUrl(url);
  if (!parsed.ok) return parsed.error;
  const { hostname } = new URL(parsed.url);
  if (live && isInternalHost(hostname))
    return `host ${hostname} is a loopback, private or internal address, refused in live mode`;
  return null;
}
