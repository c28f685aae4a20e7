// The fake Slack's Socket Mode, driven by the SDK's own SocketModeClient (through Bolt's
// SocketModeReceiver) and undici's WebSocket: what Slack does, and what it refuses.

import { SocketModeReceiver } from "@slack/bolt";
import { WebAPIPlatformError, WebClient } from "@slack/web-api";
import { WebSocket } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silent } from "../support/silent-logger.ts";
import { type FakeSlack, startFakeSlack } from "./slack.ts";

let fake: FakeSlack;
beforeEach(async () => {
  fake = await startFakeSlack();
});
afterEach(async () => fake.close());

async function slackError(token: string, method: string): Promise<string> {
  const client = new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logger: silent,
  });
  try {
    await client.apiCall(method);
  } catch (error) {
    if (error instanceof WebAPIPlatformError) return error.data.error;
    throw error;
  }
  return "ok";
}

function socketClient() {
  const receiver = new SocketModeReceiver({
    appToken: fake.appToken,
    logger: silent,
    autoReconnectEnabled: false,
    installerOptions: { clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } } },
  });
  return receiver.client;
}

describe("tokens", () => {
  it("apps.connections.open takes only the app-level token", async () => {
    expect(await slackError(fake.appToken, "apps.connections.open")).toBe("ok");
    expect(await slackError(fake.botToken, "apps.connections.open")).toBe("not_allowed_token_type");
    expect(await slackError("xapp-1-A0APP-revoked", "apps.connections.open")).toBe("invalid_auth");
  });

  it("Web API methods refuse the app-level token as the wrong kind", async () => {
    expect(await slackError(fake.appToken, "auth.test")).toBe("not_allowed_token_type");
    expect(await slackError(fake.botToken, "auth.test")).toBe("ok");
  });
});

describe("the WebSocket", () => {
  it("says hello when told to, takes acks of delivered envelopes, and completes the close handshake", async () => {
    fake.socketMode.holdHello = true;
    const client = socketClient();
    let connected = false;
    const started = client.start().then(() => {
      connected = true;
    });
    await fake.waitFor(() => fake.socketMode.waitingForHello === 1);
    expect(connected).toBe(false);
    expect(fake.socketMode.sendHello()).toBe(1);
    await started;

    const events: string[] = [];
    client.on("slack_event", async ({ type, ack }) => {
      events.push(type);
      await ack({ text: "got it" });
    });
    const id = fake.socketMode.deliver("slash_commands", { command: "/autofix", text: "help" });
    const ack = await fake.waitFor(() => fake.socketMode.acks.find((a) => a.envelope_id === id));
    expect(ack.payload).toEqual({ text: "got it" });
    expect(events).toEqual(["slash_commands"]);

    await client.disconnect();
    await fake.waitFor(() => fake.socketMode.open === 0, { description: "closed" });
  });

  it("tells the client when the connection drops", async () => {
    const client = socketClient();
    await client.start();
    const disconnected = new Promise<void>((resolve) => client.once("disconnected", resolve));
    expect(fake.socketMode.drop()).toBe(1);
    await disconnected;
    expect(fake.socketMode.open).toBe(0);
  });

  it("accepts each ticket once, and only tickets it issued", async () => {
    const { url } = (await new WebClient("", {
      slackApiUrl: fake.apiUrl,
      headers: { Authorization: `Bearer ${fake.appToken}` },
    }).apps.connections.open()) as { url: string };
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]+&app_id=A0APP$/);
    const outcome = (target: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(target);
        ws.addEventListener("message", (e) => {
          resolve(JSON.parse(String(e.data)).type);
          ws.close();
        });
        ws.addEventListener("error", () => resolve("refused"));
      });
    expect(await outcome(url)).toBe("hello");
    expect(await outcome(url)).toBe("refused");
    expect(await outcome(url.replace(/ticket=[0-9a-f]+/, "ticket=made-up"))).toBe("refused");
  });
});
