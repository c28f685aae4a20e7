import { describe, expect, it } from "vitest";
import { parseConfig, secretValues } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";

const valid = {
  SLACK_BOT_TOKEN: "xoxb-1-2-abc",
  SLACK_SIGNING_SECRET: "0123456789abcdef",
  KESTRA_URL: "http://kestra:8080/",
  KESTRA_USERNAME: "admin@kestra.io",
  KESTRA_PASSWORD: "Admin1234",
  AUTOFIX_WEBHOOK_TOKEN: "0123456789abcdef0123",
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies defaults and coerces types", () => {
    const c = parseConfig({ ...valid, PORT: "8081", AUTOFIX_APPROVERS: "U1, S2 ,W3" });
    expect(c.port).toBe(8081);
    expect(c.kestra.url).toBe("http://kestra:8080");
    expect(c.kestra.publicUrl).toBe("http://kestra:8080");
    expect(c.kestra.tenant).toBe("main");
    expect(c.kestra.namespace).toBe("dev.autofix");
    expect(c.slack.apiUrl).toBe("https://slack.com/api/");
    expect(c.github.apiUrl).toBe("https://api.github.com");
    expect(c.policy.approvers).toEqual({ users: ["U1", "W3"], groups: ["S2"] });
    expect(c.policy.allowedRepos).toEqual([]);
    expect(c.slack.appToken).toBeUndefined();
  });

  it("lists every missing secret at once, each with how to fix it", () => {
    const list = problems({});
    for (const field of [
      "SLACK_BOT_TOKEN",
      "SLACK_SIGNING_SECRET",
      "KESTRA_URL",
      "KESTRA_USERNAME",
      "KESTRA_PASSWORD",
      "AUTOFIX_WEBHOOK_TOKEN",
    ]) {
      expect(list.some((p) => p.startsWith(`${field} `))).toBe(true);
    }
    expect(list.find((p) => p.startsWith("SLACK_BOT_TOKEN"))).toMatch(/xoxb/);
  });

  it("rejects invalid values with specific messages", () => {
    const list = problems({
      ...valid,
      SLACK_BOT_TOKEN: "xoxp-user-token",
      PORT: "http",
      AUTOFIX_ALERT_CHANNEL: "#alerts",
      AUTOFIX_APPROVERS: "U1,@bob",
      AUTOFIX_ALLOWED_REPOS: "acme/api,not a repo",
      LOG_LEVEL: "loud",
      KESTRA_URL: "kestra:8080",
    });
    expect(list).toHaveLength(7);
    expect(list.join("\n")).toMatch(/AUTOFIX_ALERT_CHANNEL .*not a #name/);
    expect(list).toContain(
      'AUTOFIX_APPROVERS has "@bob", which is not a Slack user id (U…/W…) or user group id (S…)',
    );
  });

  it("says each kind of mistake one way, naming the variable and never a list index", () => {
    const say = (env: Record<string, string>) => problems({ ...valid, ...env });
    // A port that is not a number and one out of range read the same.
    expect(say({ PORT: "abc" })).toEqual(say({ PORT: "99999" }));
    expect(say({ PORT: "abc" })).toEqual(["PORT must be a port number (0-65535)"]);
    expect(say({ KESTRA_TIMEOUT_MS: "ten" })).toEqual([
      "KESTRA_TIMEOUT_MS must be a number of milliseconds (100 or more)",
    ]);
    expect(say({ AUTOFIX_STUCK_MINUTES: "-1" })).toEqual([
      "AUTOFIX_STUCK_MINUTES must be a number of minutes, 0 for off (0 or more)",
    ]);
    const list = say({ AUTOFIX_ALLOWED_REPOS: "acme/api,,nope" }).join("\n");
    expect(list).toBe('AUTOFIX_ALLOWED_REPOS has "nope", which is not owner/repo or owner/*');
    expect(say({ AUTOFIX_MODEL: "gpt 4" })).toEqual([
      "AUTOFIX_MODEL must be a model id such as gpt-4.1 (letters, digits, . _ : / @ -)",
    ]);
    for (const p of say({ AUTOFIX_APPROVERS: "U1,x", PORT: "-1" })) expect(p).not.toMatch(/\.\d/);
  });

  it("gives runs a documented default model, which AUTOFIX_MODEL changes", () => {
    expect(parseConfig(valid).policy.model).toBe("gpt-4.1");
    expect(parseConfig({ ...valid, AUTOFIX_MODEL: "anthropic/claude-sonnet-4" }).policy.model).toBe(
      "anthropic/claude-sonnet-4",
    );
  });

  it("treats empty values as unset, so `FOO=` in .env means the default", () => {
    const c = parseConfig({ ...valid, SLACK_APP_TOKEN: "", PORT: "" });
    expect(c.slack.appToken).toBeUndefined();
    expect(c.port).toBe(3000);
  });

  it("collects the secrets for scrubbing", () => {
    const c = parseConfig({ ...valid, GITHUB_TOKEN: "ghp_secretsecret" });
    expect(secretValues(c)).toEqual(
      expect.arrayContaining([
        "xoxb-1-2-abc",
        "Admin1234",
        "ghp_secretsecret",
        valid.AUTOFIX_WEBHOOK_TOKEN,
      ]),
    );
  });
});
