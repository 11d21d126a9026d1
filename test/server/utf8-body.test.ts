/**
 * A request body that is not valid UTF-8 is refused as FastAPI (and so vLLM) refuses it: 400
 * "There was an error parsing the body". It used to be decoded with U+FFFD for the bad bytes and
 * scored as text the client never sent.
 */
import { describe, expect, it } from "vitest";
import { FakeScorer } from "./fakes.js";
import { post, start } from "./helpers.js";

async function postBytes(url: string, bytes: Uint8Array): Promise<{ status: number; body: { error?: { message: string; type: string; code: number } } }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: bytes });
  return { status: res.status, body: (await res.json()) as never };
}

describe("request bodies that are not UTF-8", () => {
  it("answer 400 with FastAPI's message on /score and /rerank; valid UTF-8 still scores", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    // "caf\\xe9": Latin-1, not UTF-8 (the byte 0xE9 starts a 3-byte sequence that never completes).
    const latin1 = Buffer.concat([Buffer.from('{"text_1": "caf'), Buffer.from([0xe9]), Buffer.from('", "text_2": ["x"]}')]);
    for (const path of ["/score", "/rerank"]) {
      const body = path === "/rerank" ? Buffer.from(latin1.toString("latin1").replace("text_1", "query").replace("text_2", "documents"), "latin1") : latin1;
      const r = await postBytes(`${url}${path}`, body);
      expect(r.status, path).toBe(400);
      expect(r.body.error).toEqual({ message: "There was an error parsing the body", type: "Bad Request", param: null, code: 400 });
    }
    const ok = await post(`${url}/score`, { text_1: "café", text_2: ["x"] });
    expect(ok.status).toBe(200);
  });
});
