/** A raw TCP client on 127.0.0.1 for fault tests: it sends exactly what the test says, as slowly as it says. */
import { connect, type Socket } from "node:net";

/** What a raw connection saw. */
export interface RawResult {
  /** Everything the server sent. */
  response: string;
  /** ms from connect until the server closed the connection (or the test ended it). */
  closedAfterMs: number;
  /** ms until the first response byte, if any. */
  firstByteMs: number | undefined;
}

/** Opens a connection to `url` and returns the socket once connected. */
export function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Sends `head` at once, then `bodyBytes` bytes one every `intervalMs` (a slow-loris upload), and
 * records the answer and when the server closed the socket. Gives up after `maxMs`.
 */
export async function slowUpload(
  url: string,
  head: string,
  options: { bodyBytes?: number; intervalMs?: number; maxMs: number },
): Promise<RawResult> {
  const socket = await open(url);
  const t0 = performance.now();
  let response = "";
  let firstByteMs: number | undefined;
  socket.on("data", (d: Buffer) => {
    firstByteMs ??= performance.now() - t0;
    response += d.toString();
  });
  socket.on("error", () => undefined); // A reset after the server cut us is the expected end.
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < (options.bodyBytes ?? 0) && socket.writable) {
      socket.write("x");
      sent++;
    }
  }, options.intervalMs ?? 100);
  const closedAfterMs = await new Promise<number>((resolve) => {
    const give = setTimeout(() => {
      socket.destroy();
      resolve(Number.POSITIVE_INFINITY);
    }, options.maxMs);
    socket.once("close", () => {
      clearTimeout(give);
      resolve(performance.now() - t0);
    });
  });
  clearInterval(timer);
  return { response, closedAfterMs, firstByteMs };
}

/** The request line and headers of a JSON POST with a declared body length. */
export function postHead(path: string, contentLength: number, extra = ""): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n${extra}\r\n`;
}
