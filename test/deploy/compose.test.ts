import { readdirSync } from "node:fs";
// docker-compose.yml: pinned images, Kestra 2.0.x standalone on Postgres, flows, secrets, the bot.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FORCE_EXIT_MS } from "../../src/shutdown.ts";
import { FLOW_FILES, isObject, type Json } from "../flows/flow-walk.ts";
import { BOT_ENV, KESTRA_SECRETS, parseDotenv, ROOT, readRepoFile } from "./repo-files.ts";

const text = readRepoFile("docker-compose.yml");
const compose = parse(text) as Json;
const services = compose["services"] as Record<string, Json>;
const service = (name: string): Json => {
  const s = services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const envOf = (name: string) => service(name)["environment"] as Record<string, string>;
const example = parseDotenv(readRepoFile(".env.example"));

describe("docker-compose.yml", () => {
  it("pins every image (no latest, no missing tag)", () => {
    for (const [name, s] of Object.entries(services)) {
      const image = String(s["image"]);
      expect(image, name).toMatch(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/);
      expect(image, name).not.toMatch(/:latest$|:develop|:nightly/);
    }
  });

  it("runs, as a standalone server, the Kestra release the engine suite proves", () => {
    const kestra = service("kestra");
    const proven = /<kestra\.version>([^<]+)<\/kestra\.version>/.exec(
      readRepoFile("kestra/engine/pom.xml"),
    )?.[1];
    expect(proven).toMatch(/^2\.0\.\d+$/);
    expect(kestra["image"]).toBe(`kestra/kestra:v${proven}`);
    expect(String(kestra["command"]).trim()).toMatch(/^server standalone\b/);
  });

  it("waits for a healthy Postgres and has healthchecks on every service that others wait for", () => {
    const postgres = service("postgres");
    expect(String((postgres["healthcheck"] as Json)["test"])).toContain("pg_isready");
    expect(service("kestra")["depends_on"]).toEqual({ postgres: { condition: "service_healthy" } });
    expect(service("kestra")).toHaveProperty("healthcheck");
    expect(service("bot")["depends_on"]).toEqual({
      postgres: { condition: "service_healthy" },
      kestra: { condition: "service_healthy" },
    });
  });

  it("points the bot's DATABASE_URL (the per-run lock) at the stack's PostgreSQL", () => {
    const postgres = service("postgres")["environment"] as Record<string, string>;
    const m =
      /^postgres:\/\/([^:]+):\$\{POSTGRES_PASSWORD(?::\?[^}]*)?\}@postgres:5432\/(\w+)$/.exec(
        envOf("bot")["DATABASE_URL"] ?? "",
      );
    expect(m?.[1]).toBe(postgres["POSTGRES_USER"]);
    expect(m?.[2]).toBe(postgres["POSTGRES_DB"]);
  });

  it("configures Postgres repository/queue, local storage, basic auth and the flow watcher", () => {
    const config = parse(envOf("kestra")["KESTRA_CONFIGURATION"] ?? "") as Json;
    const kestra = config["kestra"] as Json;
    expect((kestra["repository"] as Json)["type"]).toBe("postgres");
    expect((kestra["queue"] as Json)["type"]).toBe("postgres");
    expect((kestra["storage"] as Json)["type"]).toBe("local");
    const auth = (kestra["server"] as Json)["basic-auth"] as Json;
    expect(String(auth["username"])).toContain(`\${KESTRA_USERNAME`);
    expect(String(auth["password"])).toContain(`\${KESTRA_PASSWORD`);
    const datasource = (config["datasources"] as Json)["postgres"] as Json;
    expect(datasource["url"]).toBe("jdbc:postgresql://postgres:5432/kestra");
    const watch = ((config["micronaut"] as Json)["io"] as Json)["watch"] as Json;
    expect(watch).toEqual({ enabled: true, paths: ["/flows"] });
  });

  it("mounts the flows folder (every flow in it) and the Docker socket into Kestra", () => {
    const volumes = (service("kestra")["volumes"] as string[]).map(String);
    expect(volumes).toContain("./kestra/workflows:/flows:ro");
    // The folder is mounted whole: each flow the tests check is one file in it, none elsewhere.
    expect(readdirSync(`${ROOT}kestra/workflows`).sort()).toEqual([...FLOW_FILES].sort());
    expect(volumes).toContain("/var/run/docker.sock:/var/run/docker.sock");
  });

  it("gives Kestra the bot URL, the worker image and every secret the flows read", () => {
    const env = envOf("kestra");
    // The compose service unless .env says otherwise (a bot run with npm run dev).
    expect(env["ENV_AUTOFIX_BOT_URL"]).toBe("${AUTOFIX_BOT_URL:-http://bot:3000}");
    expect(env["ENV_AUTOFIX_WORKER_IMAGE"]).toBe("autofix-slack:local");
    expect(service("bot")["image"]).toBe("autofix-slack:local");
    const flows = FLOW_FILES.map((f) => readRepoFile(`kestra/workflows/${f}`)).join("\n");
    const used = new Set([...flows.matchAll(/secret\('([A-Z0-9_]+)'\)/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(KESTRA_SECRETS).sort());
    for (const name of used) {
      expect(env[`SECRET_${name}`]?.startsWith(`\${SECRET_${name}:?`), name).toBe(true);
    }
  });

  it("builds the bot from the Dockerfile and passes it only the variables it reads", () => {
    const bot = service("bot");
    expect(bot["build"]).toBe(".");
    const env = envOf("bot");
    expect(env["KESTRA_URL"]).toBe("http://kestra:8080");
    expect(Object.keys(env).sort()).toEqual([...BOT_ENV].sort());
    expect(
      Object.keys(env).filter((k) => k.startsWith("SECRET_") || k === "GITHUB_PR_TOKEN"),
    ).toEqual([]);
  });

  it("declares every interpolated variable it uses in .env.example", () => {
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] ?? ""));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((v) => !example.has(v));
    expect(missing).toEqual([]);
  });

  it("gives the bot a stop grace period that its own forced exit fits in", () => {
    const grace = /^(\d+)s$/.exec(String(service("bot")["stop_grace_period"]));
    expect(grace, "stop_grace_period in seconds").not.toBeNull();
    expect(Number(grace?.[1]) * 1000).toBeGreaterThan(FORCE_EXIT_MS);
  });

  it("publishes the bot on loopback only", () => {
    const ports = (service("bot")["ports"] as string[]).map(String);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    expect(isObject(compose["volumes"])).toBe(true);
  });
});
