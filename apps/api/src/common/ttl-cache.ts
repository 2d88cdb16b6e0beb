/**
 * Values kept for `ttlMs` after they were stored, at most `maxEntries` of them (the one stored longest ago
 * goes first). In-process, so each API instance has its own; what is cached, and how stale it may be, is
 * decided where one is used. A `ttlMs` of 0 keeps nothing.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, now = Date.now()): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(key);
    // A Map iterates in insertion order: its first key is the entry stored longest ago.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
