/** TOTP second-factor codes (RFC 6238 via `otpauth`: SHA-1, 6 digits, 30-second steps). */
import * as OTPAuth from 'otpauth';

export const newTotpSecret = () => new OTPAuth.Secret({ size: 20 }).base32;

export const totpUri = (secret: string, email: string) =>
  new OTPAuth.TOTP({ issuer: 'huipay', label: email, secret: OTPAuth.Secret.fromBase32(secret) }).toString();

/** The time step (unix seconds / 30) of a 6-digit code valid now, ±1 step for clock drift; or null. */
export function totpStep(secret: string, code: string, nowMs = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  const delta = totp.validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? null : Math.floor(nowMs / 30_000) + delta;
}
