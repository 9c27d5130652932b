/**
 * Console passwords: PBKDF2-SHA256 hashes (100,000 iterations, the Workers maximum, 16-byte
 * per-user salt) as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, the password policy, and
 * SHA-256 hex of the random tokens whose digest alone is stored (sessions, invites).
 */
import { randomToken } from './ids';
import { safeEqual } from './sign';

export const PBKDF2_ITERATIONS = 100_000;

const enc = new TextEncoder();
const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFC')), 'PBKDF2', false, [
    'deriveBits',
  ]);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
}

/** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64(salt)}$${b64(await pbkdf2(password, salt, PBKDF2_ITERATIONS))}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !salt || !hash) return false;
  const got = b64(await pbkdf2(password, unb64(salt), Number(iter)));
  return safeEqual(got, hash);
}

/** A hash nobody's password matches, verified for unknown e-mails so they take as long as known ones. */
let decoy: Promise<string> | null = null;
export const decoyHash = () => (decoy ??= hashPassword(randomToken(32)));

export const sha256Hex = async (s: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(s)))]
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('');

/** The password policy, in characters; the console's forms and messages state these numbers. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** A password policy message, or null when acceptable. */
export function passwordProblem(password: string): 'short' | 'long' | null {
  if ([...password].length < PASSWORD_MIN) return 'short';
  if (password.length > PASSWORD_MAX) return 'long';
  return null;
}
