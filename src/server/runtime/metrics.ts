/** Upper bounds of the latency histogram, in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Upper bounds of the batch-size histograms. */
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  render(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : "";
    const lines = this.buckets.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i] ?? 0}`);
    lines.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    const braces = labels ? `{${labels}}` : "";
    lines.push(`${name}_sum${braces} ${this.sum}`, `${name}_count${braces} ${this.count}`);
    return lines;
  }
}

/**
 * The server's Prometheus metrics, kept in memory and rendered as text exposition format 0.0.4:
 * requests by route and status, request latency by route, pairs and requests per scorer call,
 * and gauges for queued and running work. Route labels are route patterns, never raw paths,
 * so label cardinality stays bounded.
 */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly batchPairs = new Histogram(SIZE_BUCKETS);
  private readonly batchRequests = new Histogram(SIZE_BUCKETS);

  /** Records one answered request. */
  observeRequest(route: string, status: number, seconds: number): void {
    const key = `route="${escape(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram(LATENCY_BUCKETS)));
    h.observe(seconds);
  }

  /** Records one scorer call. */
  observeBatch(pairs: number, requests: number): void {
    this.batchPairs.observe(pairs);
    this.batchRequests.observe(requests);
  }

  /** Renders all metrics; `gauges` are read at scrape time. */
  render(gauges: { queued: number; running: number; inFlight: number }): string {
    const out: string[] = [];
    out.push("# HELP rerank_kit_requests_total HTTP requests answered, by route and status.");
    out.push("# TYPE rerank_kit_requests_total counter");
    for (const [labels, n] of this.requests) out.push(`rerank_kit_requests_total{${labels}} ${n}`);
    out.push("# HELP rerank_kit_request_duration_seconds Time from request to answer.");
    out.push("# TYPE rerank_kit_request_duration_seconds histogram");
    for (const [route, h] of this.latency) {
      out.push(...h.render("rerank_kit_request_duration_seconds", `route="${escape(route)}"`));
    }
    out.push("# HELP rerank_kit_batch_pairs Pairs per scorer call (after coalescing).");
    out.push("# TYPE rerank_kit_batch_pairs histogram");
    out.push(...this.batchPairs.render("rerank_kit_batch_pairs", ""));
    out.push("# HELP rerank_kit_batch_requests Requests merged into one scorer call.");
    out.push("# TYPE rerank_kit_batch_requests histogram");
    out.push(...this.batchRequests.render("rerank_kit_batch_requests", ""));
    const gauge = (name: string, help: string, value: number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    };
    gauge("rerank_kit_queue_depth", "Requests admitted and waiting for inference.", gauges.queued);
    gauge("rerank_kit_inference_running", "Inference jobs running.", gauges.running);
    gauge("rerank_kit_requests_in_flight", "Requests admitted and not yet answered.", gauges.inFlight);
    return `${out.join("\n")}\n`;
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
