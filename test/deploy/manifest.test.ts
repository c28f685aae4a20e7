// manifest.yml (Socket Mode) and manifest.http.yml (HTTP mode) against the encoded Slack rules.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMMAND } from "../../src/slack/ids.ts";
import { isObject, type Json } from "../flows/flow-walk.ts";
import {
  EXPECTED_BOT_EVENTS,
  EXPECTED_BOT_SCOPES,
  HTTP_REQUEST_URL,
  MANIFEST_KEYS,
  MANIFEST_LIMITS,
} from "./manifest-rules.ts";
import { readRepoFile } from "./repo-files.ts";

const obj = (v: unknown, where: string): Json => {
  if (!isObject(v)) throw new Error(`${where} must be a mapping`);
  return v;
};
const within = (s: unknown, limits: { min?: number; max: number }) =>
  typeof s === "string" && s.length >= (limits.min ?? 0) && s.length <= limits.max;
const extraKeys = (o: Json, allowed: readonly string[]) =>
  Object.keys(o).filter((k) => !allowed.includes(k));

const manifests = {
  "manifest.yml": parse(readRepoFile("manifest.yml")) as Json,
  "manifest.http.yml": parse(readRepoFile("manifest.http.yml")) as Json,
};

for (const [file, m] of Object.entries(manifests)) {
  describe(file, () => {
    const display = obj(m["display_information"], "display_information");
    const features = obj(m["features"], "features");
    const settings = obj(m["settings"], "settings");
    const commands = features["slash_commands"] as Json[];

    it("uses only keys the manifest schema allows", () => {
      expect(obj(m["_metadata"], "_metadata")["major_version"]).toBe(1);
      expect(extraKeys(m, MANIFEST_KEYS.top)).toEqual([]);
      expect(extraKeys(display, MANIFEST_KEYS.display_information)).toEqual([]);
      expect(extraKeys(features, MANIFEST_KEYS.features)).toEqual([]);
      expect(extraKeys(obj(features["app_home"], "app_home"), MANIFEST_KEYS.app_home)).toEqual([]);
      expect(extraKeys(obj(features["bot_user"], "bot_user"), MANIFEST_KEYS.bot_user)).toEqual([]);
      expect(extraKeys(settings, MANIFEST_KEYS.settings)).toEqual([]);
      for (const c of commands) expect(extraKeys(c, MANIFEST_KEYS.slash_command)).toEqual([]);
    });

    it("respects the name, description and display-name lengths", () => {
      expect(within(display["name"], MANIFEST_LIMITS.appName)).toBe(true);
      expect(within(display["description"], MANIFEST_LIMITS.appDescription)).toBe(true);
      expect(String(display["background_color"])).toMatch(MANIFEST_LIMITS.backgroundColor);
      const bot = obj(features["bot_user"], "bot_user");
      expect(within(bot["display_name"], MANIFEST_LIMITS.botDisplayName)).toBe(true);
    });

    it("declares exactly the /autofix command the bot handles, well formed", () => {
      expect(commands).toHaveLength(1);
      const [c] = commands;
      if (!c) throw new Error("no command");
      expect(c["command"]).toBe(COMMAND);
      expect(within(c["command"], MANIFEST_LIMITS.command)).toBe(true);
      expect(String(c["command"])).toMatch(MANIFEST_LIMITS.command.pattern);
      expect(within(c["description"], MANIFEST_LIMITS.commandDescription)).toBe(true);
      expect(within(c["usage_hint"], MANIFEST_LIMITS.usageHint)).toBe(true);
    });

    it("turns on interactivity, the App Home and Messages tabs, and the events of the Home, mentions and DMs", () => {
      expect(obj(settings["interactivity"], "interactivity")["is_enabled"]).toBe(true);
      const home = obj(features["app_home"], "app_home");
      expect(home["home_tab_enabled"]).toBe(true);
      // People write to the bot in its Messages tab (message.im).
      expect(home["messages_tab_enabled"]).toBe(true);
      expect(home["messages_tab_read_only_enabled"]).toBe(false);
      const events = obj(settings["event_subscriptions"], "event_subscriptions");
      expect(events["bot_events"]).toEqual([...EXPECTED_BOT_EVENTS]);
      expect(settings["org_deploy_enabled"]).toBe(false);
    });

    it("requests exactly the needed bot scopes", () => {
      const scopes = obj(obj(m["oauth_config"], "oauth_config")["scopes"], "scopes");
      expect([...(scopes["bot"] as string[])].sort()).toEqual([...EXPECTED_BOT_SCOPES].sort());
      expect(scopes).not.toHaveProperty("user");
    });
  });
}

describe("Socket Mode vs HTTP mode", () => {
  const socket = manifests["manifest.yml"];
  const http = manifests["manifest.http.yml"];
  const settingsOf = (m: Json) => obj(m["settings"], "settings");
  const commandOf = (m: Json) =>
    (obj(m["features"], "features")["slash_commands"] as Json[])[0] ?? {};

  it("manifest.yml uses Socket Mode and no request URLs", () => {
    expect(settingsOf(socket)["socket_mode_enabled"]).toBe(true);
    expect(commandOf(socket)).not.toHaveProperty("url");
    expect(obj(settingsOf(socket)["event_subscriptions"], "events")).not.toHaveProperty(
      "request_url",
    );
    expect(obj(settingsOf(socket)["interactivity"], "interactivity")).not.toHaveProperty(
      "request_url",
    );
  });

  it("manifest.http.yml sends commands, events and interactivity to /slack/events", () => {
    expect(settingsOf(http)["socket_mode_enabled"]).toBe(false);
    const urls = [
      commandOf(http)["url"],
      obj(settingsOf(http)["event_subscriptions"], "events")["request_url"],
      obj(settingsOf(http)["interactivity"], "interactivity")["request_url"],
    ];
    for (const url of urls) {
      expect(url).toBe(HTTP_REQUEST_URL);
      expect(within(url, MANIFEST_LIMITS.requestUrl)).toBe(true);
      expect(String(url)).toMatch(MANIFEST_LIMITS.requestUrl.pattern);
    }
  });

  it("differs from manifest.yml only in the mode settings and URLs", () => {
    const strip = (m: Json): Json => {
      const copy = structuredClone(m);
      const settings = obj(copy["settings"], "settings");
      delete settings["socket_mode_enabled"];
      delete obj(settings["event_subscriptions"], "events")["request_url"];
      delete obj(settings["interactivity"], "interactivity")["request_url"];
      const features = obj(copy["features"], "features");
      for (const c of features["slash_commands"] as Json[]) delete c["url"];
      return copy;
    };
    expect(strip(http)).toEqual(strip(socket));
  });
});
