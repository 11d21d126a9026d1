import { abortReason, settle } from "./batch-member.js";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../types.js";
import type { PairScorer } from "./vllm-bi-encoder.js";
import type { Slots } from "./slots.js";
import { splitUsage } from "./split-usage.js";

/** Dynamic batching options of `createServer` (`batching`). */
export interface BatcherOptions {
  /** Merge concurrent requests into shared scorer calls. @default true */
  enabled?: boolean;
  /** Longest wait for companions when a slot is free and more requests are arriving, in ms. @default 2 */
  maxWaitMs?: number;
  /** Most pairs in one merged call; a larger request runs alone. @default 64 */
  maxBatchPairs?: number;
  /** Called after each scorer call with its pair and request counts. */
  onBatch?: (pairs: number, requests: number) => void;
}

/** Scoring options that decide whether two requests may share a call, without signal/progress. */
export type BatchableOptions = Omit<ScoreOptions, "signal" | "onProgress">;

interface Member {
  queries: ScoreInput[];
  documents: ScoreInput[];
  signal: AbortSignal | undefined;
  resolve: (r: ScoreResponse) => void;
  reject: (e: unknown) => void;
  settled: boolean;
}

interface Group {
  key: string;
  options: BatchableOptions;
  members: Member[];
  pairs: number;
  createdAt: number;
  sealed: boolean;
}

/**
 * Coalesces concurrent score requests into shared micro-batches. Each request arrives as explicit
 * N:N pairs; requests with equal options are concatenated into one `scoreWithUsage` call and the
 * scores split back. While a slot is free, a batch waits at most `maxWaitMs`, and only when other
 * admitted requests are on their way (so a lone client is never delayed); while
 * all slots are busy, requests pile up and leave together when one frees. If a merged call fails,
 * each request is retried alone, so one bad request never fails its neighbours.
 */
export class ScoreBatcher {
  private readonly queue: Group[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly enabled: boolean;
  private readonly maxWaitMs: number;
  private readonly maxBatchPairs: number;
  /** Requests inside scorer calls right now. */
  private inCalls = 0;

  constructor(
    private readonly scorer: PairScorer,
    private readonly slots: Slots,
    private readonly options: BatcherOptions = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxBatchPairs = options.maxBatchPairs ?? 64;
    slots.addReleaseListener(() => this.pump());
  }

  /** Requests waiting for a batch slot. */
  get queuedRequests(): number {
    return this.queue.reduce((n, g) => n + g.members.filter((m) => !m.settled).length, 0);
  }

  /** Scores explicit pairs (`queries[i]` with `documents[i]`, equal lengths). */
  score(
    queries: ScoreInput[],
    documents: ScoreInput[],
    options: BatchableOptions,
    signal?: AbortSignal,
  ): Promise<ScoreResponse> {
    return new Promise<ScoreResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const member: Member = { queries, documents, signal, resolve, reject, settled: false };
      signal?.addEventListener("abort", () => settle(member, undefined, abortReason(signal)), { once: true });
      this.enqueue(member, options);
      this.pump();
    });
  }

  private enqueue(member: Member, options: BatchableOptions): void {
    // The replacer list applies at every depth, so nested template kwargs are keyed on their own.
    const key = JSON.stringify(options, Object.keys(options).sort()) + JSON.stringify(options.chatTemplateKwargs ?? null);
    const n = member.queries.length;
    const open = this.enabled ? this.queue.findLast((g) => g.key === key && !g.sealed) : undefined;
    if (open && open.pairs + n <= this.maxBatchPairs) {
      open.members.push(member);
      open.pairs += n;
      if (open.pairs >= this.maxBatchPairs) open.sealed = true;
      return;
    }
    if (open) open.sealed = true;
    const sealed = !this.enabled || n >= this.maxBatchPairs;
    this.queue.push({ key, options, members: [member], pairs: n, createdAt: Date.now(), sealed });
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
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, this.maxWaitMs - waited);
        }
        return;
      }
      this.queue.shift();
      void this.dispatch(head);
    }
  }

  /**
   * Whether waiting can pay: some admitted request is neither queued here nor being scored, so it
   * is on its way (being parsed or validated). A lone client is never delayed.
   */
  private companionsExpected(): boolean {
    return this.slots.inFlight > this.queuedRequests + this.inCalls;
  }

  private async dispatch(group: Group): Promise<void> {
    const release = await this.slots.acquire();
    const live = group.members.filter((m) => !m.settled);
    this.inCalls += live.length;
    try {
      if (live.length === 0) return;
      try {
        const results = await this.call(live, group.options);
        live.forEach((m, i) => settle(m, results[i]));
      } catch (error) {
        if (live.length === 1) {
          settle(live[0] as Member, undefined, error);
          return;
        }
        // Attribute the failure: retry each request on its own.
        for (const m of live) {
          if (m.settled) continue;
          try {
            settle(m, (await this.call([m], group.options))[0]);
          } catch (e) {
            settle(m, undefined, e);
          }
        }
      }
    } finally {
      this.inCalls -= live.length;
      release();
    }
  }

  private async call(members: Member[], options: BatchableOptions): Promise<ScoreResponse[]> {
    const queries = members.flatMap((m) => m.queries);
    const documents = members.flatMap((m) => m.documents);
    const controller = new AbortController();
    // The shared call stops only when every request in it has gone away.
    const onAbort = (): void => {
      if (members.every((m) => m.settled)) controller.abort();
    };
    for (const m of members) m.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      this.options.onBatch?.(queries.length, members.length);
      const response = await this.scorer.scoreWithUsage(queries, documents, { ...options, signal: controller.signal });
      if (response.scores.length !== queries.length) {
        throw new Error(`The scorer returned ${response.scores.length} scores for ${queries.length} pairs`);
      }
      return splitUsage(response, members.map((m) => m.queries.length), queries, documents);
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
