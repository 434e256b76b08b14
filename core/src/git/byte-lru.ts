// A map bounded by the bytes its values take, least recently used dropped first: the caches
// of the git read layer (parsed objects, delta bases, pack windows).
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  /** Holds at most `maxBytes`; a value larger than `largest` is not kept. */
  constructor(
    private readonly maxBytes: number,
    private readonly largest = maxBytes,
  ) {}

  get<T extends V = V>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  set(key: string, value: V, bytes: number): void {
    if (bytes > this.largest) return;
    this.delete(key);
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.used -= entry.bytes;
    }
  }

  /** Drops the entries whose key passes `test`. */
  deleteWhere(test: (key: string) => boolean): void {
    for (const key of [...this.entries.keys()]) if (test(key)) this.delete(key);
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.used -= old.bytes;
    this.entries.delete(key);
  }
}
