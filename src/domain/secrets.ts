/**
 * Secrets at rest: AES-256-GCM with a key derived (SHA-256) from the `MASTER_KEY` secret.
 * Stored form: `v1.<base64 iv>.<base64 ciphertext+tag>`.
 */
import { Memo } from './memo';

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function key(masterKey: string): Promise<CryptoKey> {
  if (!masterKey) throw new Error('MASTER_KEY is not set');
  let k = keys.get(masterKey);
  if (!k) {
    k = crypto.subtle
      .digest('SHA-256', enc.encode(masterKey))
      .then((raw) => crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']));
    keys.set(masterKey, k);
  }
  return k;
}

const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export async function sealSecret(masterKey: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await key(masterKey), enc.encode(plaintext));
  return `v1.${b64(iv)}.${b64(ct)}`;
}

/** Opened secrets by key and sealed text: a rotation seals anew, so a stale entry is never used. */
const opened = new Memo<string, Promise<string>>(1000);

/** The plaintext of a sealed secret, opened once per isolate. */
export function openSecret(masterKey: string, sealed: string): Promise<string> {
  const id = `${masterKey}\u0000${sealed}`;
  return opened.getOr(id, () => {
    const secret = decrypt(masterKey, sealed);
    secret.catch(() => opened.delete(id));
    return secret;
  });
}

async function decrypt(masterKey: string, sealed: string): Promise<string> {
  const [v, iv, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct) throw new Error('unknown sealed secret format');
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv) }, await key(masterKey), unb64(ct));
  return new TextDecoder().decode(pt);
}
