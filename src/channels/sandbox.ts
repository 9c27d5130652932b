/**
 * What every built-in simulator shares: its own key pair, made once per deployment and kept in
 * D1 with the private half sealed by MASTER_KEY (the first writer wins a race; everyone then
 * reads the winner), and the rule that a simulator serves sandbox apps only.
 */
import { eq } from 'drizzle-orm';
import { simKeys } from '../db/schema';
import { base64ToBytes, bytesToBase64, generateRsaKeyPair } from '../domain/rsa';
import { openSecret, sealSecret } from '../domain/secrets';
import type { Db } from '../env';

export interface SimulatorKeys {
  /** PKCS#8 DER of the simulator's private key (signs answers, notifies, returns). */
  pkcs8: Uint8Array;
  /** SPKI DER of its public key, and the same as base64 (what apps configure as the provider's key). */
  spki: Uint8Array;
  publicKey: string;
}

const loaded = new Map<string, Promise<SimulatorKeys>>();

async function load(env: Env, db: Db, channel: string): Promise<SimulatorKeys> {
  let row = await db.query.simKeys.findFirst({ where: eq(simKeys.channel, channel) });
  if (!row) {
    const pair = await generateRsaKeyPair();
    await db
      .insert(simKeys)
      .values({
        channel,
        privateEnc: await sealSecret(env.MASTER_KEY, bytesToBase64(pair.pkcs8)),
        publicKey: bytesToBase64(pair.spki),
      })
      .onConflictDoNothing();
    row = (await db.query.simKeys.findFirst({ where: eq(simKeys.channel, channel) }))!;
  }
  return {
    pkcs8: base64ToBytes(await openSecret(env.MASTER_KEY, row.privateEnc)),
    spki: base64ToBytes(row.publicKey),
    publicKey: row.publicKey,
  };
}

/** The simulator's key pair for `channel`, made on first use. */
export function simulatorKeys(env: Env, db: Db, channel: string): Promise<SimulatorKeys> {
  const id = `${env.MASTER_KEY}\u0000${channel}`;
  let keys = loaded.get(id);
  if (!keys) {
    keys = load(env, db, channel);
    keys.catch(() => loaded.delete(id));
    loaded.set(id, keys);
  }
  return keys;
}
