/**
 * DNS rebinding: the host is resolved once, the address checked, and the connection goes to that
 * address. The resolver here answers for a name the system resolver does not know, so a second
 * lookup by the HTTP client would fail; and it answers a private address the second time, so a
 * check-then-resolve-again fetch would be caught either way.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MediaPolicy } from "../../../src/server/media/index.js";
import { IMAGES_ROOT } from "../../imaging/golden-inputs.js";
import { startMediaServer, type MediaServer } from "./media-server.js";

const lookups: string[] = [];
vi.mock("node:dns/promises", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:dns/promises")>();
  const lookup = async (host: string, options: object) => {
    if (host !== "media.invalid") return original.lookup(host, options as never);
    lookups.push(host);
    return [{ address: "127.0.0.1", family: 4 }];
  };
  return { ...original, lookup, default: { ...original, lookup } };
});

describe("the connection goes to the address that was checked", () => {
  let media: MediaServer;
  const png = readFileSync(join(IMAGES_ROOT, "inputs", "rgb-61x47.png"));
  beforeAll(async () => {
    media = await startMediaServer(png);
  });
  afterAll(() => media?.close());

  it("resolves once and connects to the pinned address", async () => {
    const policy = new MediaPolicy({ allowedMediaDomains: ["media.invalid"], allowPrivateMediaAddresses: true });
    const bytes = await policy.load(`http://media.invalid:${media.port}/same`, "documents[0]", new AbortController().signal);
    expect(Buffer.from(bytes as Uint8Array).equals(png)).toBe(true);
    // One lookup per hop (the same-host redirect is checked again), none by the HTTP client.
    expect(lookups).toEqual(["media.invalid", "media.invalid"]);
    expect(media.hits.slice(-2)).toEqual(["/same", "/a.png"]);
  });

  it("refuses when the checked address is private, without connecting", async () => {
    const before = media.hits.length;
    const policy = new MediaPolicy({ allowedMediaDomains: ["media.invalid"] });
    await expect(policy.load(`http://media.invalid:${media.port}/a.png`, "documents[0]", new AbortController().signal)).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining("resolves to 127.0.0.1"),
    });
    expect(media.hits.length).toBe(before);
  });
});
