/** Rings the deployment's Sweeper (src/durable/sweeper.ts) so it sweeps by `atMs`, restart or not. */
export async function wakeSweeper(env: Env, atMs: number): Promise<void> {
  await env.SWEEPER.get(env.SWEEPER.idFromName('sweeper')).wake(atMs);
}
