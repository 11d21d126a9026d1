/**
 * The key under which a request may share a model call: its strategy's name and its options in a
 * canonical form (object keys sorted at every depth, so `{a, b}` and `{b, a}` agree). Two requests
 * share a call only when their keys are equal, that is when every option is equal in value, however
 * deeply nested. Functions and `undefined` are left out, as they are in JSON.
 */
export function groupKey(kind: string, options: object): string {
  return `${kind}|${JSON.stringify(canonical(options))}`;
}

function canonical(value: unknown): unknown {
  // JSON writes NaN and ±Infinity as null: keep them apart from null and from each other.
  if (typeof value === "number" && !Number.isFinite(value)) return { $number: String(value) };
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
  return out;
}
