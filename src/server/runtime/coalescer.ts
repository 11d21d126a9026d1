import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { abortReason, settle } from "./batch-member.js";
import { BATCHING_DEFAULTS, type BatcherOptions } from "./coalesce-options.js";
import { groupKey } from "./group-key.js";
import type { Slots } from "./slots.js";

/**
 * What one kind of request (score pairs, embed texts, embed token ids) needs from the coalescer:
 * how big a request is, and how to run several of them as one model call.
 */
export interface CoalesceStrategy<Item, Result, Options extends object> {
  /** Names the kind; requests of different kinds never share a call. */
  readonly kind: string;
  /** The request's size in the unit `maxBatchPairs` counts for this kind. */
  size(item: Item): number;
  /**
   * Runs `items` as one call with `options` and returns one result per item, in order. `signal`
   * aborts only when every request in the call has gone away. With `parts` > 1 the call's inputs
   * are cut into that many contiguous parts run in parallel, one per idle worker (see
   * {@link runSplit}); the answer must equal the unsplit one.
   */
  run(items: Item[], options: Options, signal: AbortSignal, parts: number): Promise<Result[]>;
  /** Parts a call of this kind can run in right now without changing its answer (idle workers of an exact pool). */
  lanes(): number;
}

interface Member {
  item: unknown;
  size: number;
  signal: AbortSignal | undefined;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
  settled: boolean;
}

interface Group {
  key: string;
  strategy: CoalesceStrategy<unknown, unknown, object>;
  options: object;
  members: Member[];
  size: number;
  createdAt: number;
  sealed: boolean;
}

/**
 * The server's one policy for fitting requests to workers, in both directions. Merge: concurrent
 * requests of one kind whose options are equal in value ({@link groupKey}) are concatenated into
 * one call and the results split back. While a slot is free, a batch waits at most `maxWaitMs`,
 * and only when other admitted requests are on their way (so a lone client is never delayed);
 * while all slots are busy, requests pile up and leave together when one frees. If a merged call
 * fails, each request is retried alone, so one bad request never fails its neighbours.
 * Split: a call leaving while nothing else waits or is on its way, with spare slots and idle
 * workers, takes them and runs in parts of at least `minPartSize` items (see {@link runSplit});
 * under load nothing is split, so every worker keeps serving whole calls.
 * (Padding-aware micro-batches inside one model call are `src/batching`'s job, not this one's.)
 */
export class RequestCoalescer {
  private readonly queue: Group[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly enabled: boolean;
  private readonly maxWaitMs: number;
  private readonly maxBatch: number;
  private readonly minPartSize: number;
  /** Requests inside model calls right now. */
  private inCalls = 0;

  constructor(
    private readonly slots: Slots,
    options: BatcherOptions = {},
  ) {
    this.enabled = options.enabled ?? BATCHING_DEFAULTS.enabled;
    this.maxWaitMs = options.maxWaitMs ?? BATCHING_DEFAULTS.maxWaitMs;
    this.maxBatch = options.maxBatchPairs ?? BATCHING_DEFAULTS.maxBatchPairs;
    const minPartSize = options.minPartSize ?? BATCHING_DEFAULTS.minPartSize;
    if (!Number.isInteger(minPartSize) || minPartSize < 1) {
      throw new InvalidOptionError(`createServer: \`batching.minPartSize\` must be a positive integer, got ${String(minPartSize)}`, {
        option: "batching.minPartSize",
        allowed: "a positive integer",
      });
    }
    this.minPartSize = options.split === false ? Infinity : minPartSize;
    slots.addReleaseListener(() => this.pump());
  }

  /** Requests waiting for a slot. */
  get queuedRequests(): number {
    return this.queue.reduce((n, g) => n + g.members.filter((m) => !m.settled).length, 0);
  }

  /** Runs one request through `strategy`, sharing a call with queued requests of equal options. */
  submit<Item, Result, Options extends object>(
    strategy: CoalesceStrategy<Item, Result, Options>,
    item: Item,
    options: Options,
    signal?: AbortSignal,
  ): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const size = strategy.size(item);
      const member: Member = { item, size, signal, resolve: resolve as (r: unknown) => void, reject, settled: false };
      signal?.addEventListener("abort", () => settle(member, undefined, abortReason(signal)), { once: true });
      this.enqueue(member, strategy as unknown as Group["strategy"], options);
      this.pump();
    });
  }

  private enqueue(member: Member, strategy: Group["strategy"], options: object): void {
    const key = groupKey(strategy.kind, options);
    const open = this.enabled ? this.queue.findLast((g) => g.key === key && !g.sealed) : undefined;
    if (open && open.size + member.size <= this.maxBatch) {
      open.members.push(member);
      open.size += member.size;
      if (open.size >= this.maxBatch) open.sealed = true;
      return;
    }
    if (open) open.sealed = true;
    const sealed = !this.enabled || member.size >= this.maxBatch;
    this.queue.push({ key, strategy, options, members: [member], size: member.size, createdAt: Date.now(), sealed });
  }

  private pump(): void {
    while (this.slots.available && this.queue.length > 0) {
      const head = this.queue[0] as Group;
      if (head.members.every((m) => m.settled)) {
        this.queue.shift();
        continue;
      }
      const waited = Date.now() - head.createdAt;
      if (!head.sealed && waited < this.maxWaitMs && this.companionsExpected()) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.maxWaitMs - waited);
        return;
      }
      this.queue.shift();
      void this.dispatch(head);
    }
  }

  /**
   * Whether waiting can pay: some admitted request is neither queued here nor being run, so it
   * is on its way (being parsed or validated). A lone client is never delayed.
   */
  private companionsExpected(): boolean {
    return this.slots.inFlight > this.queuedRequests + this.inCalls;
  }

  private async dispatch(group: Group): Promise<void> {
    const release = await this.slots.acquire();
    const live = group.members.filter((m) => !m.settled);
    this.inCalls += live.length;
    const spare = live.length > 0 ? this.spareSlots(group, live) : [];
    try {
      if (live.length === 0) return;
      try {
        const results = await this.call(group, live, 1 + spare.length);
        live.forEach((m, i) => settle(m, results[i]));
      } catch (error) {
        if (live.length === 1) return settle(live[0] as Member, undefined, error);
        // Attribute the failure: retry each request on its own.
        for (const m of live) {
          if (m.settled) continue;
          try {
            settle(m, (await this.call(group, [m], 1))[0]);
          } catch (e) {
            settle(m, undefined, e);
          }
        }
      }
    } finally {
      this.inCalls -= live.length;
      for (const r of spare) r();
      release();
    }
  }

  /**
   * The extra slots a call leaving now may take to run in parts: none while anything else waits
   * here or is on its way (those requests want the workers), else as many as its idle workers,
   * the free slots and `minPartSize` items per part allow. Called once this call holds its slot.
   */
  private spareSlots(group: Group, live: Member[]): Array<() => void> {
    const size = live.reduce((n, m) => n + m.size, 0);
    const byItems = Math.floor(size / this.minPartSize);
    if (byItems < 2 || this.queuedRequests > 0 || this.companionsExpected()) return [];
    const parts = Math.min(byItems, group.strategy.lanes());
    const spare: Array<() => void> = [];
    for (let i = 1; i < parts; i++) {
      const r = this.slots.tryAcquire();
      if (!r) break;
      spare.push(r);
    }
    return spare;
  }

  private async call(group: Group, members: Member[], parts: number): Promise<unknown[]> {
    const controller = new AbortController();
    // The shared call stops only when every request in it has gone away.
    const onAbort = (): void => {
      if (members.every((m) => m.settled)) controller.abort();
    };
    for (const m of members) m.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const results = await group.strategy.run(
        members.map((m) => m.item),
        group.options,
        controller.signal,
        parts,
      );
      if (results.length !== members.length) {
        throw new Error(`A ${group.strategy.kind} call returned ${results.length} results for ${members.length} requests`);
      }
      return results;
    } finally {
      for (const m of members) m.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Stops the wait timer; pending requests still complete when slots free. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
