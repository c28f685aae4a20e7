// A strict fake of the OpenAI chat-completions API, the part the Cline CLI uses, on 127.0.0.1
// with a random port. Each test scripts the assistant's turns; the fake answers them in order.
//
// Exports:
//   startFakeLlm(opts) -> Promise<FakeLlm>
//   FakeLlm {
//     baseUrl       ".../v1", for OPENAI_BASE_URL
//     apiKey        the only key accepted (default "sk-fake-llm-key")
//     requests      every request, answered or refused: {method, path, headers, body, json}
//     chatRequests()  the parsed bodies of the chat-completion requests that passed auth
//     close()
//   }
//   ScriptedTurn = {toolCalls: [{name, arguments}], usage?} | {text, usage?} | {error: {status, message, type, code?}}
//
// What Cline 3.0.65 (openai-compatible provider, Vercel AI SDK underneath) was seen to call, and
// so all this fake serves: POST /v1/chat/completions with `stream: true` and
// `stream_options.include_usage`, Bearer auth, JSON body. It never called GET /v1/models.
// Faithful to api.openai.com where that matters (error shapes from OpenAI's API reference and
// real responses): every error is {error: {message, type, param, code}}; a missing key is 401
// invalid_request_error, a wrong key 401 "Incorrect API key provided" with code invalid_api_key;
// an unknown path or method is 404 "Invalid URL (METHOD /path)"; a body that is not JSON is 400;
// a tool message must answer a tool call of an earlier assistant message. Streams are SSE
// `data: <chunk>` events ending with `data: [DONE]`; the usage chunk (empty choices) comes last
// and only when include_usage was asked for. Deliberately strict beyond OpenAI in one point:
// `stream: false` is refused, because Cline never sends it and a change there should show.

import type { IncomingMessage, ServerResponse } from "node:http";
import { headerValue, readBody, sendJson, startHttpServer } from "./http-server.ts";

export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
}

export type ScriptedTurn =
  | {
      toolCalls: { name: string; arguments: Record<string, unknown> }[];
      usage?: ScriptedUsage;
    }
  | { text: string; usage?: ScriptedUsage }
  | { error: { status: number; message: string; type: string; code?: string } };

export interface FakeLlmOptions {
  turns: ScriptedTurn[];
  apiKey?: string;
}

export interface RecordedLlmRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The parsed body, when it was JSON. */
  json: unknown;
}

export interface FakeLlm {
  /** OpenAI-style base URL ending in /v1 (what OPENAI_BASE_URL takes). */
  baseUrl: string;
  apiKey: string;
  requests: RecordedLlmRequest[];
  chatRequests(): ChatRequest[];
  close(): Promise<void>;
}

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: { type: string; function: { name: string } }[];
}

const DEFAULT_USAGE: ScriptedUsage = { promptTokens: 10, completionTokens: 1 };

export async function startFakeLlm(opts: FakeLlmOptions): Promise<FakeLlm> {
  const apiKey = opts.apiKey ?? "sk-fake-llm-key";
  const turns = [...opts.turns];
  const requests: RecordedLlmRequest[] = [];
  const accepted: ChatRequest[] = [];
  let served = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const body = (await readBody(req)).toString("utf8");
    const recorded: RecordedLlmRequest = {
      method,
      path,
      headers: flatHeaders(req),
      body,
      json: parseJson(body),
    };
    requests.push(recorded);

    if (method !== "POST" || path.split("?")[0] !== "/v1/chat/completions") {
      return openAiError(res, 404, `Invalid URL (${method} ${path})`, "invalid_request_error");
    }
    const auth = headerValue(req, "authorization") ?? "";
    const given = /^Bearer (.+)$/.exec(auth)?.[1]?.trim();
    if (!given) {
      return openAiError(
        res,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error",
      );
    }
    if (given !== apiKey) {
      return openAiError(
        res,
        401,
        `Incorrect API key provided: ${maskKey(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        "invalid_request_error",
        "invalid_api_key",
      );
    }
    const contentType = (headerValue(req, "content-type") ?? "").split(";")[0]?.trim();
    if (contentType !== "application/json" || recorded.json === undefined) {
      return openAiError(
        res,
        400,
        "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.",
        "invalid_request_error",
      );
    }
    const problem = validateChat(recorded.json);
    if (problem)
      return openAiError(res, 400, problem.message, "invalid_request_error", null, problem.param);
    const chat = recorded.json as ChatRequest;
    if (chat.stream !== true) {
      return openAiError(
        res,
        400,
        "fake LLM: only stream: true is served",
        "invalid_request_error",
      );
    }
    accepted.push(chat);

    const turn = turns.shift();
    served += 1;
    if (!turn) {
      return openAiError(
        res,
        500,
        `fake LLM: no scripted turn left for request ${served}`,
        "server_error",
      );
    }
    if ("error" in turn) {
      return openAiError(
        res,
        turn.error.status,
        turn.error.message,
        turn.error.type,
        turn.error.code ?? null,
      );
    }
    streamTurn(res, turn, chat, served);
  };

  const server = await startHttpServer(handle);
  return {
    baseUrl: `${server.url}/v1`,
    apiKey,
    requests,
    chatRequests: () => [...accepted],
    close: () => server.close(),
  };
}

function streamTurn(
  res: ServerResponse,
  turn: Exclude<ScriptedTurn, { error: unknown }>,
  chat: ChatRequest,
  n: number,
): void {
  const id = `chatcmpl-fake${n}`;
  const created = 1_700_000_000 + n;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: chat.model, choices, ...extra })}\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  if ("text" in turn) {
    res.write(delta({ role: "assistant", content: "" }));
    res.write(delta({ content: turn.text }));
    res.write(delta({}, "stop"));
  } else {
    turn.toolCalls.forEach((call, index) => {
      const callId = `call_fake${n}_${index}`;
      // Like OpenAI: the first delta names the call, the arguments follow in pieces.
      res.write(
        delta({
          ...(index === 0 ? { role: "assistant", content: null } : {}),
          tool_calls: [
            { index, id: callId, type: "function", function: { name: call.name, arguments: "" } },
          ],
        }),
      );
      const args = JSON.stringify(call.arguments);
      const half = Math.ceil(args.length / 2);
      for (const piece of [args.slice(0, half), args.slice(half)]) {
        res.write(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    res.write(delta({}, "tool_calls"));
  }
  if (chat.stream_options?.include_usage === true) {
    const usage = turn.usage ?? DEFAULT_USAGE;
    res.write(
      chunk([], {
        usage: {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
        },
      }),
    );
  }
  res.end("data: [DONE]\n\n");
}

/** The checks OpenAI makes that a client bug could trip; the message says which. */
function validateChat(json: unknown): { message: string; param: string } | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { message: "Invalid type for request body: expected an object.", param: "body" };
  }
  const body = json as Record<string, unknown>;
  if (typeof body["model"] !== "string" || body["model"] === "") {
    return { message: "you must provide a model parameter", param: "model" };
  }
  const messages = body["messages"];
  if (!Array.isArray(messages) || messages.length === 0) {
    return { message: "Missing required parameter: 'messages'.", param: "messages" };
  }
  const issued = new Set<string>();
  for (const [i, m] of messages.entries()) {
    const msg = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
    const role = msg["role"];
    if (!["system", "developer", "user", "assistant", "tool"].includes(String(role))) {
      return { message: `Invalid value: '${String(role)}'.`, param: `messages.[${i}].role` };
    }
    if (role === "assistant" && Array.isArray(msg["tool_calls"])) {
      for (const call of msg["tool_calls"] as { id?: unknown }[]) {
        if (typeof call.id === "string") issued.add(call.id);
      }
    }
    if (role === "tool" && !issued.has(String(msg["tool_call_id"]))) {
      return {
        message:
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        param: `messages.[${i}].role`,
      };
    }
  }
  return undefined;
}

function openAiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, param, code } });
}

/** OpenAI echoes only the ends of a wrong key. */
function maskKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}` : "***";
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
