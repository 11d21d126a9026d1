/** createServer refuses bad options before binding, with typed errors that name the option. */
import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors/invalid-option-error.js";
import { createServer, type CreateServerOptions } from "../../src/server/index.js";
import { FakeBiEncoder, FakeScorer } from "./fakes.js";

function errorOf(options: unknown): InvalidOptionError {
  try {
    createServer(options as CreateServerOptions);
  } catch (error) {
    return error as InvalidOptionError;
  }
  throw new Error("createServer accepted the options");
}

describe("createServer options", () => {
  it("names a misspelled option and suggests the right one", () => {
    const error = errorOf({ scorer: new FakeScorer(), max_body_bytes: 10 });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.option).toBe("max_body_bytes");
    expect(error.suggestions).toEqual(["maxBodyBytes"]);
    expect(error.message).toMatch(/createServer: unknown option `max_body_bytes` \(did you mean `maxBodyBytes`\?\)/);
  });

  it.each([
    ["scorer", { scorer: {} }, /`scorer` must be a Scorer/],
    ["servedModelName", { scorer: new FakeScorer(), servedModelName: [] }, /must not be empty/],
    ["apiKey", { scorer: new FakeScorer(), apiKey: " " }, /`apiKey` is empty/],
    ["concurrency", { scorer: new FakeScorer(), concurrency: 0 }, /`concurrency` must be a positive number/],
    ["maxDocuments", { scorer: new FakeScorer(), maxDocuments: Number.NaN }, /`maxDocuments` must be a positive number/],
    ["publicDocs", { scorer: new FakeScorer(), publicDocs: "yes" }, /option `publicDocs` must be true or false/],
    ["poolingTask", { scorer: new FakeBiEncoder(), poolingTask: "classify" }, /`poolingTask` "classify" is not a task of this model \(it has: embed\)/],
  ])("refuses a bad `%s` with an InvalidOptionError naming it", (option, options, message) => {
    const error = errorOf(options);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });
});
