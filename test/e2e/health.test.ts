import { afterEach, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

it("/healthz is up; /readyz tells whether Kestra and Slack answer", async () => {
  h = await startHarness();
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  const ready = await fetch(`${h.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ ok: true, checks: { kestra: "ok", slack: "ok" } });
});

it("/readyz is 503 and names Kestra when Kestra is down", async () => {
  h = await startHarness();
  await h.kestra.close();
  const ready = await fetch(`${h.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ ok: false, checks: { kestra: "unreachable", slack: "ok" } });
});
