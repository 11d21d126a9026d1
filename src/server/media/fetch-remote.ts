import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isBlockedAddress } from "./blocked-address.js";
import { mediaRefused, mediaUnprocessable } from "./media-errors.js";
import type { MediaPolicyConfig } from "./media-options.js";

/** Redirect hops followed on the same host before giving up. */
const MAX_REDIRECTS = 5;

/** A host name as the policy compares it: lower case, no trailing dot, IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.$/, "").replace(/^\[(.*)\]$/, "$1");
}

/**
 * Refuses an http(s) URL whose host is not an allowed domain, before anything is resolved or sent.
 * @throws {HttpError} 400 naming the allowed domains.
 */
export function checkDomain(url: URL, config: MediaPolicyConfig, field: string): void {
  if (config.domains.size === 0) {
    throw mediaRefused(
      field,
      "image_url items are decoded from data: URLs only on this server; fetching http(s) images needs --allowed-media-domains (createServer's allowedMediaDomains).",
    );
  }
  const host = hostOf(url);
  if (!config.domains.has(host)) {
    throw mediaRefused(field, `The URL must be from one of the allowed domains: ${JSON.stringify([...config.domains])}. Input URL domain: ${host}`);
  }
}

/**
 * Resolves the host once and checks every address it resolves to: the connection then goes to the
 * checked address, so a second lookup (DNS rebinding) cannot swap in a private one.
 */
async function pinnedAddress(url: URL, config: MediaPolicyConfig, field: string): Promise<{ address: string; family: number }> {
  const host = hostOf(url);
  let addresses: { address: string; family: number }[];
  try {
    addresses = await dnsLookup(host, { all: true, verbatim: true });
  } catch (cause) {
    throw mediaUnprocessable(field, `cannot resolve the host ${host}`, cause);
  }
  const first = addresses[0];
  if (!first) throw mediaUnprocessable(field, `cannot resolve the host ${host}`);
  if (!config.allowPrivate) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) {
      throw mediaUnprocessable(
        field,
        `the host ${host} resolves to ${blocked.address}, a private, loopback or link-local address; the server does not fetch from those (allowPrivateMediaAddresses).`,
      );
    }
  }
  return first;
}

/**
 * Fetches an image over http(s) under the policy: allowed domain, public address (checked and
 * pinned), redirects only on the same host and each hop checked again, at most `maxBytes`, within
 * `timeoutMs` for the whole fetch. Aborting `signal` (the request's own) stops it with its reason.
 * @throws {HttpError} 400 when the policy refuses the URL, 422 when the fetch fails or is cut short.
 */
export async function fetchRemote(start: URL, config: MediaPolicyConfig, field: string, signal: AbortSignal): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let url = start;
  for (let hop = 0; ; hop++) {
    checkDomain(url, config, field);
    const pinned = await pinnedAddress(url, config, field);
    if (both.aborted) throw abortReason(signal, config, field);
    const response = await get(url, pinned, both).catch((cause: unknown) => {
      if (both.aborted) throw abortReason(signal, config, field);
      throw mediaUnprocessable(field, `cannot connect to ${hostOf(url)} (${(cause as Error).message})`, cause);
    });
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location !== undefined) {
      response.destroy();
      let next: URL;
      try {
        next = new URL(response.headers.location, url);
      } catch {
        throw mediaUnprocessable(field, "the redirect target is not a valid URL");
      }
      if (hostOf(next) !== hostOf(start) || (next.protocol !== "http:" && next.protocol !== "https:")) {
        throw mediaUnprocessable(field, `redirected to another host (${next.protocol}//${hostOf(next)}); only redirects on the same host are followed.`);
      }
      if (hop + 1 > MAX_REDIRECTS) throw mediaUnprocessable(field, `more than ${MAX_REDIRECTS} redirects`);
      url = next;
      continue;
    }
    if (status !== 200) {
      response.destroy();
      throw mediaUnprocessable(field, `HTTP ${status} error`);
    }
    return readBounded(response, config, field, both, signal);
  }
}

/** One GET to `url`, connecting to `pinned` whatever the resolver would say now. */
function get(url: URL, pinned: { address: string; family: number }, signal: AbortSignal): Promise<IncomingMessage> {
  const lookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // agent: false, so no pooled socket to another address is reused.
    const req = send(url, { method: "GET", lookup, agent: false, signal, headers: { accept: "image/*" } }, resolve);
    req.once("error", reject);
    req.end();
  });
}

/** Reads the body, stopping as soon as it passes `maxBytes` (a declared Content-Length too). */
function readBounded(response: IncomingMessage, config: MediaPolicyConfig, field: string, both: AbortSignal, signal: AbortSignal): Promise<Uint8Array> {
  const tooLarge = (): Error => mediaUnprocessable(field, `the image is larger than the server's limit of ${config.maxBytes} bytes (maxMediaBytes)`);
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > config.maxBytes) {
    response.destroy();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // Settle before destroying: destroy() emits "aborted" synchronously, whose handler would
    // otherwise answer first with a less precise reason.
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(error);
      response.destroy();
    };
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > config.maxBytes) return fail(tooLarge());
      chunks.push(chunk);
    });
    const onAbort = (): void => fail(abortReason(signal, config, field));
    if (both.aborted) return onAbort();
    both.addEventListener("abort", onAbort, { once: true });
    response.once("close", () => both.removeEventListener("abort", onAbort));
    response.once("end", () => {
      settled = true;
      resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    response.once("error", (cause) => fail(both.aborted ? abortReason(signal, config, field) : mediaUnprocessable(field, "the connection failed while reading", cause)));
    response.once("aborted", () => fail(both.aborted ? abortReason(signal, config, field) : mediaUnprocessable(field, "the server closed the connection")));
  });
}

/** The request's own abort reason, or the fetch timeout as a 422. */
function abortReason(signal: AbortSignal, config: MediaPolicyConfig, field: string): unknown {
  if (signal.aborted) return signal.reason;
  return mediaUnprocessable(field, `the fetch did not finish within ${config.timeoutMs} ms (mediaFetchTimeoutMs)`);
}
