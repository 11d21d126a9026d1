/** Number of classifier outputs from `config.json` (`num_labels`, else `id2label`, else 2 as HF does). */
export function countLabels(config: Record<string, unknown>): number {
  if (typeof config["num_labels"] === "number") return config["num_labels"];
  const id2label = config["id2label"];
  if (id2label && typeof id2label === "object") return Object.keys(id2label).length;
  return 2;
}
