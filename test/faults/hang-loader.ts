/** A custom loader that never finishes: its synchronous loop holds the worker thread for good. */
export function loadScorer(): Promise<never> {
  for (;;) {
    // spin: a hostile model whose loading hangs
  }
}
