// Socket Mode of the fake Slack. apps.connections.open (app-level token only) hands out a one-use
// ticket URL; the WebSocket at /link/?ticket=… says hello (at once, or when the test says so),
// answers pings, acknowledges close frames, and takes the client's envelope acks.
//
// The WebSocket side is a minimal RFC 6455 server written here, since the SDK's client is undici's
// WebSocket and no server package is installed: text, ping/pong and close frames from a masked
// client, no extensions, no fragments. Anything else closes the socket with 1002 (protocol error).

import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { MethodSpec } from "./context.ts";

const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export interface FakeSocketMode {
  /** While true, a new connection waits for sendHello() instead of getting its hello at once. */
  holdHello: boolean;
  /** Says hello on every connection waiting for it; returns how many. */
  sendHello(): number;
  /** Destroys every connection without a close frame, like a network drop; returns how many. */
  drop(): number;
  /** Open connections (greeted or not). */
  readonly open: number;
  /** Open connections still waiting for their hello. */
  readonly waitingForHello: number;
  /**
   * Sends an envelope to the greeted connection (e.g. slash_commands); returns its envelope_id.
   * `extra` adds envelope fields, e.g. events_api's `retry_attempt` and `retry_reason`.
   */
  deliver(type: string, payload: unknown, extra?: Record<string, unknown>): string;
  /** Acks (`{envelope_id, payload}`) received from clients, in order. */
  readonly acks: readonly { envelope_id: string; payload?: unknown }[];
}

export class SocketModeServer implements FakeSocketMode {
  holdHello = false;
  readonly acks: { envelope_id: string; payload?: unknown }[] = [];
  readonly #tickets = new Set<string>();
  readonly #connections = new Set<Connection>();
  readonly #appId: string;

  constructor(appId: string) {
    this.#appId = appId;
  }

  /** apps.connections.open: a tier 1 method that only an app-level token may call. */
  methods(baseUrl: () => string): Record<string, MethodSpec> {
    return {
      "apps.connections.open": {
        tier: 1,
        acceptsJson: false,
        jsonFields: [],
        token: "app",
        run: () => {
          const ticket = randomBytes(16).toString("hex");
          this.#tickets.add(ticket);
          const ws = baseUrl().replace(/^http/, "ws");
          return { url: `${ws}/link/?ticket=${ticket}&app_id=${this.#appId}` };
        },
      },
    };
  }

  get open(): number {
    return [...this.#connections].filter((c) => !c.closed).length;
  }
  get waitingForHello(): number {
    return [...this.#connections].filter((c) => !c.closed && !c.greeted).length;
  }

  sendHello(): number {
    const waiting = [...this.#connections].filter((c) => !c.closed && !c.greeted);
    for (const c of waiting) this.#hello(c);
    return waiting.length;
  }

  drop(): number {
    const open = [...this.#connections].filter((c) => !c.closed);
    for (const c of open) c.destroy();
    return open.length;
  }

  deliver(type: string, payload: unknown, extra: Record<string, unknown> = {}): string {
    const target = [...this.#connections].find((c) => !c.closed && c.greeted);
    if (!target) throw new Error("fake Slack: no greeted Socket Mode connection to deliver to");
    const envelopeId = randomBytes(8).toString("hex");
    target.sendText(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== "events_api",
        ...extra,
      }),
    );
    return envelopeId;
  }

  /** The HTTP server's "upgrade" event. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const ticket = url.searchParams.get("ticket") ?? "";
    const key = req.headers["sec-websocket-key"];
    if (url.pathname !== "/link/" || !this.#tickets.delete(ticket)) {
      refuse(socket, 401);
      return;
    }
    if (
      req.headers.upgrade?.toLowerCase() !== "websocket" ||
      req.headers["sec-websocket-version"] !== "13" ||
      typeof key !== "string"
    ) {
      refuse(socket, 400);
      return;
    }
    const accept = createHash("sha1").update(`${key}${ACCEPT_GUID}`).digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const connection = new Connection(socket, (text) => this.#receive(text));
    this.#connections.add(connection);
    if (head.length > 0) connection.feed(head);
    if (!this.holdHello) this.#hello(connection);
  }

  close(): void {
    this.drop();
    this.#connections.clear();
    this.#tickets.clear();
  }

  #hello(c: Connection): void {
    c.greeted = true;
    c.sendText(
      JSON.stringify({
        type: "hello",
        num_connections: this.open,
        debug_info: { host: "fake-slack", approximate_connection_time: 18060 },
        connection_info: { app_id: this.#appId },
      }),
    );
  }

  #receive(text: string): void {
    const ack = JSON.parse(text) as { envelope_id?: unknown; payload?: unknown };
    if (typeof ack.envelope_id !== "string") throw new Error("a message that is not an ack");
    this.acks.push({ envelope_id: ack.envelope_id, payload: ack.payload });
  }
}

function refuse(socket: Duplex, status: 400 | 401): void {
  const reason = status === 401 ? "Unauthorized" : "Bad Request";
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** One server-side WebSocket. */
class Connection {
  greeted = false;
  closed = false;
  readonly socket: Duplex;
  readonly #onText: (text: string) => void;
  #buffer = Buffer.alloc(0);

  constructor(socket: Duplex, onText: (text: string) => void) {
    this.socket = socket;
    this.#onText = onText;
    socket.on("data", (chunk: Buffer) => this.feed(chunk));
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => socket.destroy());
  }

  sendText(text: string): void {
    this.#send(0x1, Buffer.from(text, "utf8"));
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  feed(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    let frame = readFrame(this.#buffer);
    while (frame && !this.socket.writableEnded) {
      this.#buffer = this.#buffer.subarray(frame.size);
      this.#handle(frame);
      frame = readFrame(this.#buffer);
    }
  }

  #handle(frame: Frame): void {
    if (!frame.valid) {
      this.#fail(1002);
      return;
    }
    switch (frame.opcode) {
      case 0x1:
        try {
          this.#onText(frame.payload.toString("utf8"));
        } catch {
          this.#fail(1007);
        }
        break;
      case 0x9:
        this.#send(0xa, frame.payload);
        break;
      case 0xa:
        break;
      case 0x8:
        this.#send(0x8, frame.payload.subarray(0, 2));
        this.socket.end();
        break;
      default:
        this.#fail(1002);
    }
  }

  #fail(code: number): void {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.#send(0x8, payload);
    this.socket.end();
  }

  #send(opcode: number, payload: Buffer): void {
    if (this.closed || this.socket.writableEnded || this.socket.destroyed) return;
    const n = payload.length;
    let head: Buffer;
    if (n < 126) {
      head = Buffer.from([0x80 | opcode, n]);
    } else if (n < 65_536) {
      head = Buffer.alloc(4);
      head.writeUInt8(0x80 | opcode, 0);
      head.writeUInt8(126, 1);
      head.writeUInt16BE(n, 2);
    } else {
      head = Buffer.alloc(10);
      head.writeUInt8(0x80 | opcode, 0);
      head.writeUInt8(127, 1);
      head.writeBigUInt64BE(BigInt(n), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }
}

interface Frame {
  /** FIN set, no RSV bits, masked (clients must mask), control frames short. */
  valid: boolean;
  opcode: number;
  payload: Buffer;
  size: number;
}

function readFrame(buf: Buffer): Frame | undefined {
  if (buf.length < 2) return undefined;
  const b0 = buf.readUInt8(0);
  const b1 = buf.readUInt8(1);
  let length = b1 & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (b1 & 0x80) !== 0;
  const start = offset + (masked ? 4 : 0);
  if (buf.length < start + length) return undefined;
  const payload = Buffer.from(buf.subarray(start, start + length));
  if (masked) {
    const mask = buf.subarray(offset, offset + 4);
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  }
  const opcode = b0 & 0x0f;
  const fin = (b0 & 0x80) !== 0;
  const control = opcode >= 0x8;
  const valid = fin && (b0 & 0x70) === 0 && masked && (!control || length <= 125);
  return { valid, opcode, payload, size: start + length };
}
