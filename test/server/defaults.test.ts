import { describe, expect, it } from "vitest";
import { SERVER_DEFAULTS } from "../../src/server/defaults.js";
import { resolveOptions } from "../../src/server/options.js";
import { FakeScorer } from "./fakes.js";

describe("createServer's defaults", () => {
  it("are the ones SERVER_DEFAULTS states (and so the ones serve --help shows)", () => {
    const resolved = resolveOptions({ scorer: new FakeScorer() });
    const { batching: _batching, ...limits } = SERVER_DEFAULTS;
    for (const [name, value] of Object.entries(limits)) expect(resolved[name as keyof typeof resolved], name).toBe(value);
    expect(resolved.maxInFlightBodyBytes).toBe(4 * SERVER_DEFAULTS.maxBodyBytes);
  });
});
