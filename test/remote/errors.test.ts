import { describe, expect, it } from "vitest";
import { RerankKitError } from "../../src/errors/index.js";
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ScoringNotSupportedError,
  UnprocessableEntityError,
} from "../../src/remote/index.js";
import { apiErrorFromResponse, parseErrorBody } from "../../src/remote/errors/index.js";

describe("parseErrorBody", () => {
  it("reads vLLM's nested envelope (>= 0.10.1)", () => {
    expect(
      parseErrorBody({ error: { message: "At least one text_pair element must be given", type: "BadRequestError", param: null, code: 400 } }),
    ).toEqual({ message: "At least one text_pair element must be given", type: "BadRequestError", param: undefined, code: 400 });
  });

  it("reads vLLM's flat envelope (< 0.10.1) and validation errors with a dotted param", () => {
    expect(parseErrorBody({ object: "error", message: "m", type: "Bad Request", param: "body.top_n", code: 400 })).toEqual({
      message: "m",
      type: "Bad Request",
      param: "body.top_n",
      code: 400,
    });
  });

  it("reads {error: 'Unauthorized'} and TEI's {error, error_type}", () => {
    expect(parseErrorBody({ error: "Unauthorized" })).toMatchObject({ message: "Unauthorized", type: undefined });
    expect(parseErrorBody({ error: "batch size 40 > maximum allowed batch size 32", error_type: "Validation" })).toMatchObject({
      message: "batch size 40 > maximum allowed batch size 32",
      type: "Validation",
    });
  });

  it("reads TEI's flat /v1/embeddings error and Infinity's nested one with a null type", () => {
    expect(parseErrorBody({ message: "Input validation error", code: 422, type: "Validation" })).toEqual({
      message: "Input validation error",
      type: "Validation",
      param: undefined,
      code: 422,
    });
    expect(parseErrorBody({ error: { message: "Invalid model", type: null, param: null, code: 400 } })).toMatchObject({
      message: "Invalid model",
      type: undefined,
    });
  });

  it("reads FastAPI's detail as a string or a list", () => {
    expect(parseErrorBody({ detail: "Not Found" })).toEqual({ message: "Not Found" });
    expect(
      parseErrorBody({
        detail: [
          { loc: ["body", "query"], msg: "Field required", type: "missing" },
          { loc: ["body", "documents", 0], msg: "Input should be a valid string", type: "string_type" },
        ],
      }),
    ).toEqual({
      message: "body.query: Field required; body.documents.0: Input should be a valid string",
      type: "ValidationError",
      param: "body.query",
    });
  });

  it("falls back to the raw text or the status text", () => {
    expect(parseErrorBody("<html>Bad Gateway</html>")).toEqual({ message: "<html>Bad Gateway</html>" });
    expect(parseErrorBody("", "Unauthorized")).toEqual({ message: "Unauthorized" });
    expect(parseErrorBody(undefined)).toEqual({ message: "(empty body)" });
  });
});

describe("apiErrorFromResponse", () => {
  const req = { method: "POST", url: "http://127.0.0.1:1/score" };
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [413, PayloadTooLargeError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
  ] as const)("maps %i to %o", (status, Class) => {
    const e = apiErrorFromResponse(status, new Headers(), { error: { message: "x", type: "T", param: "p", code: status } }, req);
    expect(e).toBeInstanceOf(Class);
    expect(e).toBeInstanceOf(APIError);
    expect(e).toBeInstanceOf(RerankKitError);
    expect(e.name).toBe(Class.name);
    expect(e.message).toBe(`POST http://127.0.0.1:1/score failed with ${status} T: x (param: p)`);
  });

  it("gives a plain APIError for other statuses (TEI's 424)", () => {
    const e = apiErrorFromResponse(424, new Headers(), { error: "model is not a re-ranker model", error_type: "Backend" }, req);
    expect(e.constructor).toBe(APIError);
    expect(e.type).toBe("Backend");
  });

  it("only calls a bare 404 'Not Found' on a scoring route ScoringNotSupportedError", () => {
    const body = { detail: "Not Found" };
    expect(apiErrorFromResponse(404, new Headers(), body, { ...req, scoring: true })).toBeInstanceOf(ScoringNotSupportedError);
    expect(apiErrorFromResponse(404, new Headers(), body, req)).not.toBeInstanceOf(ScoringNotSupportedError);
    const unknownModel = { error: { message: "The model `x` does not exist.", type: "NotFoundError", param: null, code: 404 } };
    expect(apiErrorFromResponse(404, new Headers(), unknownModel, { ...req, scoring: true })).not.toBeInstanceOf(
      ScoringNotSupportedError,
    );
  });

  it("takes the request id from the response header, else from the request", () => {
    const h = new Headers({ "x-request-id": "srv" });
    expect(apiErrorFromResponse(500, h, {}, { ...req, requestId: "cli" }).requestId).toBe("srv");
    expect(apiErrorFromResponse(500, new Headers(), {}, { ...req, requestId: "cli" }).requestId).toBe("cli");
  });
});
