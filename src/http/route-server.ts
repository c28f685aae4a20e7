import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// The bot's one HTTP server: /healthz, /readyz and /kestra/events from the start, and (HTTP mode)
// Slack's requests handed to Bolt. Bolt's own servers do not serve before Slack has been reached,
// nor wait for the port (so PORT=0 could not be told), nor report a listen error.

export interface Route {
  path: string;
  method: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface RouteServer {
  port: number;
  /** Stops accepting connections; resolves when the open requests are answered. */
  close(): Promise<void>;
}

/** What is not one of the routes: true when it was answered (Slack's requests, to Bolt). */
export type Fallback = (req: IncomingMessage, res: ServerResponse) => boolean;

export async function startRouteServer(
  routes: Route[],
  port: number,
  fallback?: Fallback,
): Promise<RouteServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = routes.find((r) => r.path === path && r.method === req.method);
    if (route) route.handler(req, res);
    else if (!fallback?.(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/** 503 with a Retry-After: the request comes again (Slack retries, so does the flow). */
export function sendUnavailable(res: ServerResponse, why: string): void {
  res.writeHead(503, { "content-type": "application/json", "retry-after": "5" });
  res.end(JSON.stringify({ ok: false, error: why }));
}
