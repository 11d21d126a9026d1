/**
 * Spreads requests over several base URLs (replicas) round-robin, and skips a replica that
 * failed until its cool-down ends. When every replica is cooling down, the one that recovers
 * first is used rather than failing outright.
 */
export class ReplicaPool {
  readonly #urls: readonly string[];
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #downUntil = new Map<string, number>();
  #cursor = 0;

  /**
   * @param urls - Normalized base URLs (at least one).
   * @param cooldownMs - How long a failed replica is skipped.
   * @param now - Clock (injectable for tests).
   */
  constructor(urls: readonly string[], cooldownMs: number, now: () => number = Date.now) {
    this.#urls = urls;
    this.#cooldownMs = cooldownMs;
    this.#now = now;
  }

  /** All replicas, in configuration order. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  /**
   * The next replica to try: round-robin over healthy replicas, preferring one other than
   * `avoid` (the replica that just failed).
   */
  pick(avoid?: string): string {
    const n = this.#urls.length;
    if (n === 1) return this.#urls[0] as string;
    const now = this.#now();
    let fallback: string | undefined;
    for (let k = 0; k < n; k++) {
      const url = this.#urls[(this.#cursor + k) % n] as string;
      if ((this.#downUntil.get(url) ?? 0) > now) continue;
      if (url === avoid) {
        fallback ??= url;
        continue;
      }
      this.#cursor = (this.#cursor + k + 1) % n;
      return url;
    }
    return fallback ?? this.#soonestBack();
  }

  /** Starts the cool-down of `url`. */
  markFailed(url: string): void {
    if (this.#urls.length > 1) this.#downUntil.set(url, this.#now() + this.#cooldownMs);
  }

  /** Ends the cool-down of `url` (it just answered). */
  markHealthy(url: string): void {
    if (this.#downUntil.size > 0) this.#downUntil.delete(url);
  }

  /** True when `url` is cooling down. */
  isCoolingDown(url: string): boolean {
    return (this.#downUntil.get(url) ?? 0) > this.#now();
  }

  #soonestBack(): string {
    let best = this.#urls[0] as string;
    for (const url of this.#urls) {
      if ((this.#downUntil.get(url) ?? 0) < (this.#downUntil.get(best) ?? 0)) best = url;
    }
    return best;
  }
}
