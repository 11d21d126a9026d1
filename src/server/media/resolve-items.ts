import type { ContentPart, ScoreInput } from "../../contracts/vocabulary.js";
import type { MediaPolicy } from "./media-policy.js";

/** Fetches at once for one request; a request names at most `maxDocuments` images. */
const PARALLEL_FETCHES = 4;

/** One image URL to load and the places it appears. */
interface Pending {
  url: string;
  field: string;
  bytes?: Uint8Array | undefined;
}

/**
 * Loads every non-`data:` image URL of a request's items through the policy and returns copies
 * whose image parts carry the bytes as `data:` URLs, so the model reads inline data only. A URL
 * named twice is fetched once; the caller's items are not changed. Without a policy (the model
 * does not decode images itself: a proxy passes URLs on to its upstream) the items are returned as given.
 * @param items the items of one field, named `${field}[i]` in errors (or `field` for one item)
 * @throws {HttpError} 400 / 422 from the policy, for the first refused URL.
 */
export async function resolveMediaItems(
  policy: MediaPolicy | undefined,
  fields: ReadonlyArray<{ field: string; items: readonly ScoreInput[]; single?: boolean }>,
  signal: AbortSignal,
): Promise<ScoreInput[][]> {
  if (!policy) return fields.map((f) => [...f.items]);
  const pending = new Map<string, Pending>();
  for (const { field, items, single } of fields) {
    items.forEach((item, i) => {
      if (typeof item === "string") return;
      for (const part of item.content) {
        const url = imageUrlOf(part);
        if (url !== undefined && !url.startsWith("data:") && !pending.has(url)) pending.set(url, { url, field: single ? field : `${field}[${i}]` });
      }
    });
  }
  const queue = [...pending.values()];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) next.bytes = await policy.load(next.url, next.field, signal);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FETCHES, queue.length) }, worker));
  if (pending.size === 0) return fields.map((f) => [...f.items]);
  return fields.map(({ items }) =>
    items.map((item) => {
      if (typeof item === "string") return item;
      return {
        ...item,
        content: item.content.map((part) => {
          const url = imageUrlOf(part);
          const bytes = url === undefined ? undefined : pending.get(url)?.bytes;
          if (!bytes) return part;
          return { ...part, image_url: { ...(part as { image_url: object }).image_url, url: toDataUrl(bytes) } } as ContentPart;
        }),
      };
    }),
  );
}

/** The URL of an `image_url` part, if it is one. */
export function imageUrlOf(part: ContentPart): string | undefined {
  if (part.type !== "image_url") return undefined;
  const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
  return typeof url === "string" ? url : undefined;
}

/** Inline bytes; the decoder reads the format from the bytes, not from the media type. */
export function toDataUrl(bytes: Uint8Array): string {
  return `data:application/octet-stream;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
}
