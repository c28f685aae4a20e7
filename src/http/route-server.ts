import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// The HTTP server of Socket Mode, where Bolt serves no Slack requests: /healthz, /readyz and
// /kestra/events only. Bolt's SocketModeReceiver would serve them too, but it does not wait for
// the port (so PORT=0 cannot be told) nor report a listen error; HTTP mode keeps Bolt's server.

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

export async function startRouteServer(routes: Route[], port: number): Promise<RouteServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = routes.find((r) => r.path === path && r.method === req.method);
    if (route) route.handler(req, res);
    else res.writeHead(404).end();
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
