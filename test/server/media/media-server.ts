import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What a test media server serves, by path; every request is recorded in `hits`. */
export interface MediaServer {
  url: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/**
 * A local image server for policy tests: `/a.png` the given bytes, `/big` an endless chunked body,
 * `/declared-big` a Content-Length over any limit, `/slow` headers then silence, `/garbage` bytes
 * that are no image, `/same` a redirect to `/a.png`, `/other` a redirect to `redirectTo`, `/404`.
 */
export async function startMediaServer(png: Uint8Array, redirectTo = ""): Promise<MediaServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.push(path);
    if (path === "/a.png") return void res.writeHead(200, { "content-type": "image/png", "content-length": png.length }).end(png);
    if (path === "/garbage") return void res.writeHead(200, { "content-type": "image/png" }).end("this is not an image");
    if (path === "/same") return void res.writeHead(302, { location: "/a.png" }).end();
    if (path === "/other") return void res.writeHead(302, { location: redirectTo }).end();
    if (path === "/declared-big") return void res.writeHead(200, { "content-length": 50_000_000 }).end();
    if (path === "/big") {
      res.writeHead(200, { "content-type": "image/png" });
      const chunk = Buffer.alloc(16 * 1024, 7);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      return pump();
    }
    if (path === "/slow") {
      res.writeHead(200, { "content-type": "image/png" });
      return void res.write(png.subarray(0, 10));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
