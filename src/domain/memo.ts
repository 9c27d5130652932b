/**
 * A bounded map for what an isolate may remember between requests: facts that never change
 * (which Collector serves an app) or results keyed by their own inputs (a QR code by its text).
 * Past its size it forgets the oldest entry first.
 */
export class Memo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): V {
    if (!this.entries.has(key) && this.entries.size >= this.max)
      this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The remembered value of `key`, or `make()` remembered. */
  getOr(key: K, make: () => V): V {
    const v = this.entries.get(key);
    return v !== undefined ? v : this.set(key, make());
  }
}
