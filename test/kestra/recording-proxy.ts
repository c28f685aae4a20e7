// A transparent HTTP proxy between the bot and the engine's API that keeps every exchange: what the
// bot asked and what the engine answered (status, content type, body bytes). The e2e suite reads it
// to assert what the bot did (resume inputs, kill) and to compare the engine's answers with the fake's.
//
// Exports:
//   startRecordingProxy(target) -> Promise<RecordingProxy> { url, exchanges, close() }
//   Exchange { at, method, path, requestType, requestBody, status, responseType, responseBody }

import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { type RunningServer, readBody, startHttpServer } from "../fakes/http-server.ts";

export interface Exchange {
  at: number;
  method: string;
  /** Path and query as the bot sent them. */
  path: string;
  requestType: string | undefined;
  requestBody: Buffer;
  status: number;
  responseType: string | undefined;
  responseBody: Buffer;
}

export interface RecordingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const exchanges: Exchange[] = [];
  const server: RunningServer = await startHttpServer(async (req, res) => {
    const body = await readBody(req, 64 * 1024 * 1024);
    const headers: IncomingHttpHeaders = { ...req.headers, host: to.host };
    const answer = await new Promise<{
      status: number;
      headers: IncomingHttpHeaders;
      body: Buffer;
    }>((resolve, reject) => {
      const out = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (upstream) => {
          const chunks: Buffer[] = [];
          upstream.on("data", (c: Buffer) => chunks.push(c));
          upstream.on("end", () =>
            resolve({
              status: upstream.statusCode ?? 502,
              headers: upstream.headers,
              body: Buffer.concat(chunks),
            }),
          );
          upstream.on("error", reject);
        },
      );
      out.on("error", reject);
      out.end(body);
    });
    exchanges.push({
      at: Date.now(),
      method: req.method ?? "GET",
      path: req.url ?? "/",
      requestType: req.headers["content-type"],
      requestBody: body,
      status: answer.status,
      responseType: answer.headers["content-type"],
      responseBody: answer.body,
    });
    const { "transfer-encoding": _te, connection: _c, ...passed } = answer.headers;
    res.writeHead(answer.status, { ...passed, "content-length": String(answer.body.length) });
    res.end(answer.body);
  });
  return { url: server.url, exchanges, close: () => server.close() };
}
