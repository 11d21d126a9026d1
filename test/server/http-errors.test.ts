/**
 * The HTTP layer's contract with clients: which status and vLLM error `type` each failure gets,
 * which routes the API key guards and how the header is read, and which bodies the JSON-only
 * rule refuses. The middleware runs on a bare Hono app through `app.request` (no socket).
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { AbortError } from "../../src/errors/abort-error.js";
import { ContextLengthError } from "../../src/errors/context-length-error.js";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { InvalidScoreError } from "../../src/errors/invalid-score-error.js";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { TimeoutError } from "../../src/errors/timeout-error.js";
import { apiKeyAuth } from "../../src/server/http/auth.js";
import { envelope, toErrorResponse } from "../../src/server/http/error-response.js";
import { badRequest, DetailError, HttpError, validationFailed } from "../../src/server/http/http-error.js";
import { jsonOnly } from "../../src/server/http/json-only.js";

const err = (status: number, type: string, message: string, param: string | null = null) => ({
  status,
  body: { error: { message, type, param, code: status } },
  headers: {},
});

describe("toErrorResponse (status mapping, after vLLM's create_error_response)", () => {
  it("answers input errors 400 BadRequestError, a too-long input naming input_tokens", () => {
    const long = new ContextLengthError(512, 600);
    expect(toErrorResponse(long)).toEqual(err(400, "BadRequestError", long.message, "input_tokens"));
    expect(long.message).toContain("maximum context length is 512 tokens");
    expect(toErrorResponse(new InvalidInputError("documents must not be empty"))).toEqual(err(400, "BadRequestError", "documents must not be empty"));
  });

  it("answers a timeout 504, a client that went away 499", () => {
    expect(toErrorResponse(new TimeoutError("scoring timed out after 50 ms", { timeoutMs: 50 }))).toEqual(
      err(504, "TimeoutError", "scoring timed out after 50 ms"),
    );
    expect(toErrorResponse(new AbortError("client disconnected"))).toEqual(err(499, "ClientClosedRequest", "client disconnected"));
  });

  it("answers bad scores and load failures 500 with their own message (paths kept: the operator needs them)", () => {
    const load = new ModelLoadError("cannot read /models/mini/model.onnx", { path: "/models/mini/model.onnx" });
    expect(toErrorResponse(load)).toEqual(err(500, "InternalServerError", "cannot read /models/mini/model.onnx"));
    // Even a code path: the native binding that failed to load is what the operator must fix.
    const binding = "ONNX Runtime could not load /opt/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node";
    expect(toErrorResponse(new ModelLoadError(binding, { path: "/opt/app/model.onnx" }))).toEqual(err(500, "InternalServerError", binding));
    const score = new InvalidScoreError("model /models/mini/model.onnx returned NaN for pair 3", { index: 3 });
    expect(toErrorResponse(score)).toEqual(err(500, "InternalServerError", "model /models/mini/model.onnx returned NaN for pair 3"));
  });

  it("hides file paths in unexpected errors, as vLLM's sanitize_message does", () => {
    const e = new Error("boom at /work/app/node_modules/x/index.js:12:5 and file:///srv/a.mjs and /opt/ort/binding.node");
    expect(toErrorResponse(e)).toEqual(err(500, "InternalServerError", "boom at <path> and <path> and <path>"));
    expect(toErrorResponse(new Error("see /etc/passwd"))).toEqual(err(500, "InternalServerError", "see /etc/passwd"));
    // Only code paths are hidden, and only whole names: a .json file is not cut to "<path>on".
    expect(toErrorResponse(new Error("cannot parse /srv/model/config.json"))).toEqual(err(500, "InternalServerError", "cannot parse /srv/model/config.json"));
    expect(toErrorResponse(new Error("at /a/b.tsx and /a/c.mts:3"))).toEqual(err(500, "InternalServerError", "at /a/b.tsx and <path>"));
    expect(toErrorResponse("a thrown string")).toEqual(err(500, "InternalServerError", "a thrown string"));
    expect(toErrorResponse(42)).toEqual(err(500, "InternalServerError", "42"));
  });

  it("passes an HttpError's status, type, param and headers through", () => {
    const full = new HttpError(503, "ServiceUnavailableError", "The server is overloaded.", { param: "model", headers: { "retry-after": "1" } });
    expect(toErrorResponse(full)).toEqual({ ...err(503, "ServiceUnavailableError", "The server is overloaded.", "model"), headers: { "retry-after": "1" } });
    expect(toErrorResponse(badRequest("bad thing", "input"))).toEqual(err(400, "BadRequestError", "bad thing", "input"));
    expect(toErrorResponse(validationFailed("1 validation error:\n  x"))).toEqual(err(400, "Bad Request", "1 validation error:\n  x"));
  });

  it("answers a DetailError with FastAPI's bare {detail}", () => {
    expect(toErrorResponse(new DetailError(404, "Not Found"))).toEqual({ status: 404, body: { detail: "Not Found" }, headers: {} });
  });

  it("maps Hono's own failures to their status, with the HTTP phrase as type (and message when empty)", () => {
    expect(toErrorResponse(new HTTPException(400, { message: "Malformed JSON in request body" }))).toEqual(
      err(400, "Bad Request", "Malformed JSON in request body"),
    );
    expect(toErrorResponse(new HTTPException(413))).toEqual(err(413, "Request Entity Too Large", "Request Entity Too Large"));
    expect(toErrorResponse(new HTTPException(415))).toEqual(err(415, "Unsupported Media Type", "Unsupported Media Type"));
    expect(toErrorResponse(new HTTPException(400))).toEqual(err(400, "Bad Request", "Bad Request"));
    expect(toErrorResponse(new HTTPException(418))).toEqual(err(418, "Error", "Error"));
  });

  it("builds vLLM's nested envelope with the status as code and a null param by default", () => {
    expect(envelope(404, "NotFoundError", "no model")).toEqual({ error: { message: "no model", type: "NotFoundError", param: null, code: 404 } });
  });
});

describe("HttpError", () => {
  it("keeps the cause and defaults to no param and no extra headers", () => {
    const cause = new Error("root");
    const e = new HttpError(429, "TooManyRequests", "slow down", { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("HttpError");
    expect(e.cause).toBe(cause);
    expect(e.param).toBeNull();
    expect(e.headers).toEqual({});
    expect(new HttpError(400, "x", "y").param).toBeNull();
    expect(badRequest("m").param).toBeNull();
    expect(validationFailed("m").param).toBeNull();
    expect(new DetailError(405, "Method Not Allowed").name).toBe("DetailError");
  });
});

function guarded(extra: string[] = [], key = "k3y"): Hono {
  const app = new Hono();
  app.use("*", apiKeyAuth(key, extra));
  app.all("*", (c) => c.text("ok"));
  return app;
}

describe("apiKeyAuth", () => {
  it("accepts the bearer key whatever the scheme's case and spacing, and refuses anything else with vLLM's 401", async () => {
    const app = guarded();
    for (const authorization of ["Bearer k3y", "bearer k3y", "BEARER   k3y", "Bearer\tk3y"]) {
      const r = await app.request("/score", { headers: { authorization } });
      expect(r.status, authorization).toBe(200);
    }
    for (const headers of [{} as Record<string, string>, { authorization: "" }, { authorization: "k3y" }, { authorization: "Basic k3y" }, { authorization: "Bearer k3" }, { authorization: "Bearer k3yy" }, { authorization: "Bearer " }, { authorization: "xBearer k3y" }]) {
      const r = await app.request("/score", { headers });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(await r.json()).toEqual({ error: "Unauthorized" });
    }
  });

  it("leaves /health, /ping, /docs and the extra open paths open, and only those", async () => {
    const app = guarded(["/openapi.json"]);
    for (const path of ["/health", "/ping", "/docs", "/openapi.json"]) expect((await app.request(path)).status, path).toBe(200);
    for (const path of ["/healthz", "/v1/models", "/docs/x", "/"]) expect((await app.request(path)).status, path).toBe(401);
    expect((await guarded().request("/openapi.json")).status).toBe(401);
  });

  it("opens nothing with an empty key: a request without a bearer token is refused, not compared as an empty token", async () => {
    // createServer refuses an empty key ("would leave the server open"); the guard must not be the weak spot either.
    const app = guarded([], "");
    for (const headers of [{} as Record<string, string>, { authorization: "" }, { authorization: "Bearer " }, { authorization: "Basic x" }, { authorization: "Bearer x" }]) {
      const r = await app.request("/score", { headers });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(await r.json()).toEqual({ error: "Unauthorized" });
    }
    expect((await app.request("/health")).status).toBe(200);
  });
});

describe("jsonOnly", () => {
  const app = new Hono();
  app.onError((e, c) => c.json(toErrorResponse(e).body, toErrorResponse(e).status as 400));
  app.use("*", jsonOnly());
  app.all("*", (c) => c.text("ok"));

  it("refuses a POST that is not application/json with vLLM's 400 'Bad Request'", async () => {
    for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]) {
      const r = await app.request("/score", { method: "POST", body: "{}", headers: type ? { "content-type": type } : {} });
      expect(r.status, String(type)).toBe(400);
      expect(await r.json()).toEqual({
        error: { message: "Unsupported Media Type: Only 'application/json' is allowed", type: "Bad Request", param: null, code: 400 },
      });
    }
  });

  it("accepts JSON with parameters or in any case, GETs without a body, and SageMaker's empty POST /ping", async () => {
    for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON", " application/json ;charset=utf-8"]) {
      const r = await app.request("/score", { method: "POST", body: "{}", headers: { "content-type": type } });
      expect(r.status, type).toBe(200);
    }
    expect((await app.request("/v1/models")).status).toBe(200);
    expect((await app.request("/ping", { method: "POST" })).status).toBe(200);
    expect((await app.request("/ping/x", { method: "POST" })).status).toBe(400);
  });
});
