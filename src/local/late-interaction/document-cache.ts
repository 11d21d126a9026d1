import { createHash } from "node:crypto";

/** Hit and size counters of a scorer's document embedding cache. */
export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
  maxEntries: number;
}

/**
 * A least-recently-used cache of document token embeddings, keyed by a hash of the content (and
 * the settings that change the embedding), so reranking the same chunks again skips the encoder.
 */
export class DocumentCache<V> {
  private readonly entries = new Map<string, V>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxEntries: number) {}

  /** The cache key for a text under given settings. */
  static key(text: string, variant: string): string {
    return `${variant}:${createHash("sha256").update(text).digest("base64")}`;
  }

  /** Returns and refreshes an entry, counting a hit or a miss. */
  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  /** Stores an entry, evicting the least recently used beyond `maxEntries`. */
  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops every entry and resets the counters. */
  clear(): void {
    this.entries.clear();
    this.hits = 0;
    this.misses = 0;
  }

  /** Current counters. */
  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size, maxEntries: this.maxEntries };
  }
}
