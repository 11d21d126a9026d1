import { abortReason, settle } from "./batch-member.js";
import type { EmbedOptions, Embedder } from "../../types.js";
import { has } from "../../contracts/capabilities.js";
import type { SequenceEmbedder } from "../../contracts/sequence-embedder.js";
import type { BatcherOptions } from "./score-batcher.js";
import type { Slots } from "./slots.js";

/** Embedding options that decide whether two requests may share a call. */
export type BatchableEmbedOptions = Omit<EmbedOptions, "signal" | "onProgress">;

/** One request's vectors and the tokens they cost. */
export interface EmbedResult {
  embeddings: Float32Array[];
  promptTokens: number;
}

type Item = { kind: "tokens"; sequences: number[][] } | { kind: "texts"; texts: string[] };

interface Member {
  item: Item;
  size: number;
  signal: AbortSignal | undefined;
  resolve: (r: EmbedResult) => void;
  reject: (e: unknown) => void;
  settled: boolean;
}

interface Group {
  key: string;
  kind: Item["kind"];
  options: BatchableEmbedOptions;
  members: Member[];
  size: number;
  createdAt: number;
  sealed: boolean;
}

/**
 * Coalesces concurrent embedding requests into shared micro-batches, as {@link ScoreBatcher}
 * does for score requests: requests with equal options are concatenated into one embedder call
 * and the vectors split back. Token-id sequences carry their own usage (exact); for text input
 * the call's usage is shared out by text length. A failed merged call is retried per request.
 */
export class EmbedBatcher {
  private readonly queue: Group[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly enabled: boolean;
  private readonly maxWaitMs: number;
  private readonly maxBatch: number;
  private inCalls = 0;

  constructor(
    private readonly embedder: Embedder & Partial<SequenceEmbedder>,
    private readonly slots: Slots,
    options: BatcherOptions = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxBatch = options.maxBatchPairs ?? 64;
    slots.addReleaseListener(() => this.pump());
  }

  /** True when the embedder takes token-id sequences (vLLM rendering on the server). */
  get acceptsSequences(): boolean {
    return has(this.embedder, "sequenceEmbed");
  }

  /** Requests waiting for a slot. */
  get queuedRequests(): number {
    return this.queue.reduce((n, g) => n + g.members.filter((m) => !m.settled).length, 0);
  }

  /** Embeds token-id sequences as given. */
  embedSequences(sequences: number[][], options: BatchableEmbedOptions, signal?: AbortSignal): Promise<EmbedResult> {
    return this.submit({ kind: "tokens", sequences }, options, signal);
  }

  /** Embeds texts. */
  embedTexts(texts: string[], options: BatchableEmbedOptions, signal?: AbortSignal): Promise<EmbedResult> {
    return this.submit({ kind: "texts", texts }, options, signal);
  }

  private submit(item: Item, options: BatchableEmbedOptions, signal: AbortSignal | undefined): Promise<EmbedResult> {
    return new Promise<EmbedResult>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const size = item.kind === "tokens" ? item.sequences.length : item.texts.length;
      const member: Member = { item, size, signal, resolve, reject, settled: false };
      signal?.addEventListener("abort", () => settle(member, undefined, abortReason(signal)), { once: true });
      this.enqueue(member, options);
      this.pump();
    });
  }

  private enqueue(member: Member, options: BatchableEmbedOptions): void {
    const key = `${member.item.kind}|${JSON.stringify(options, Object.keys(options).sort())}`;
    const open = this.enabled ? this.queue.findLast((g) => g.key === key && !g.sealed) : undefined;
    if (open && open.size + member.size <= this.maxBatch) {
      open.members.push(member);
      open.size += member.size;
      if (open.size >= this.maxBatch) open.sealed = true;
      return;
    }
    if (open) open.sealed = true;
    const sealed = !this.enabled || member.size >= this.maxBatch;
    this.queue.push({ key, kind: member.item.kind, options, members: [member], size: member.size, createdAt: Date.now(), sealed });
  }

  private pump(): void {
    while (this.slots.available && this.queue.length > 0) {
      const head = this.queue[0] as Group;
      if (head.members.every((m) => m.settled)) {
        this.queue.shift();
        continue;
      }
      const waited = Date.now() - head.createdAt;
      if (!head.sealed && waited < this.maxWaitMs && this.slots.inFlight > this.queuedRequests + this.inCalls) {
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

  private async dispatch(group: Group): Promise<void> {
    const release = await this.slots.acquire();
    const live = group.members.filter((m) => !m.settled);
    this.inCalls += live.length;
    try {
      if (live.length === 0) return;
      try {
        const results = await this.call(live, group);
        live.forEach((m, i) => settle(m, results[i]));
      } catch (error) {
        if (live.length === 1) return settle(live[0] as Member, undefined, error);
        for (const m of live) {
          if (m.settled) continue;
          try {
            settle(m, (await this.call([m], group))[0]);
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

  private async call(members: Member[], group: Group): Promise<EmbedResult[]> {
    const controller = new AbortController();
    const onAbort = (): void => {
      if (members.every((m) => m.settled)) controller.abort();
    };
    for (const m of members) m.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const options = { ...group.options, signal: controller.signal };
      if (group.kind === "tokens") {
        const all = members.flatMap((m) => (m.item as { sequences: number[][] }).sequences);
        const response = await (this.embedder as SequenceEmbedder).embedSequences(all, options);
        let offset = 0;
        return members.map((m) => {
          const seqs = (m.item as { sequences: number[][] }).sequences;
          const embeddings = response.embeddings.slice(offset, offset + seqs.length);
          offset += seqs.length;
          return { embeddings, promptTokens: seqs.reduce((n, s) => n + s.length, 0) };
        });
      }
      const texts = members.map((m) => (m.item as { texts: string[] }).texts);
      const response = await this.embedder.embedWithUsage(texts.flat(), { ...options, prompt: false });
      if (members.length === 1) return [{ embeddings: response.embeddings, promptTokens: response.usage.promptTokens }];
      // Text input reports one total: share it out by characters (an estimate; token ids are exact).
      const chars = texts.map((ts) => ts.reduce((n, t) => n + t.length, 0));
      const totalChars = chars.reduce((a, b) => a + b, 0) || 1;
      let offset = 0;
      let given = 0;
      return texts.map((ts, k) => {
        const embeddings = response.embeddings.slice(offset, offset + ts.length);
        offset += ts.length;
        const share = k === texts.length - 1 ? response.usage.promptTokens - given : Math.round((response.usage.promptTokens * (chars[k] as number)) / totalChars);
        given += share;
        return { embeddings, promptTokens: share };
      });
    } finally {
      for (const m of members) m.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Stops the wait timer. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
