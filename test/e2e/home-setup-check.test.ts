// The admins' setup check on the App Home: what the bot checks itself (Kestra, the flows, its
// channel memberships), and setup-check's report, played here as Kestra would run it: the real
// worker (`autofix check`) against the GitHub fake, its check.json stored as the task's output file,
// then the flow's notification into /kestra/events.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LABELS, SETUP_CHECK, SETUP_CHECK_FLOW_ID } from "../../src/contracts/flow.ts";
import { HOME_ACTIONS, HOME_BLOCKS } from "../../src/slack/ids.ts";
import { runCli } from "../../src/worker/run-cli.ts";
import { ALERTS, GITHUB_TOKEN, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import {
  homeVersions,
  nextHome,
  openHome,
  setupText,
  type ViewRecord,
  viewAction,
} from "./home-helpers.ts";

const ADMIN = "U0ADMIN";
const OUTSIDE = "C0OUTSIDE";

let h: Harness;
afterEach(async () => h?.close());

async function start(opts: { env?: Record<string, string>; withoutFlows?: string[] } = {}) {
  h = await startHarness({
    env: { AUTOFIX_DEFAULT_REPO: "acme/api", ...opts.env },
    ...(opts.withoutFlows ? { withoutFlows: opts.withoutFlows } : {}),
  });
  h.slack.addUser(ADMIN, { isAdmin: true });
}

async function press(view: ViewRecord, user: string): Promise<ViewRecord> {
  const before = homeVersions(h, user);
  const res = await viewAction(h, {
    user,
    view,
    actionId: HOME_ACTIONS.setupCheck,
    blockId: HOME_BLOCKS.setup,
    value: "run",
  });
  expect(res.status).toBe(200);
  return nextHome(h, user, before);
}

/** Kestra runs setup-check's `check` task: the worker itself, with the secrets Kestra holds. */
async function runCheckTask(executionId: string, secrets: Record<string, string>) {
  const execution = h.kestra.execution(executionId);
  const repo = String(execution.inputs[SETUP_CHECK.inputs.repo] ?? "");
  const dir = await mkdtemp(join(tmpdir(), "setup-check-"));
  try {
    let stderr = "";
    const code = await runCli(["check", "--out", "check.json", ...(repo ? ["--repo", repo] : [])], {
      env: { GITHUB_API_URL: h.github.url, ...secrets },
      stdout: { write: () => true },
      stderr: { write: (t) => (stderr += t) },
      cwd: dir,
    });
    expect(code, stderr).toBe(0);
    h.kestra.setState(executionId, "RUNNING");
    const run = h.kestra.addTaskRun(executionId, {
      taskId: SETUP_CHECK.tasks.check,
      state: "SUCCESS",
    });
    const report = await readFile(join(dir, "check.json"), "utf8");
    return h.kestra.addOutputFile(
      executionId,
      SETUP_CHECK.tasks.check,
      run,
      SETUP_CHECK.file,
      report,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("App Home: the admins' setup check", () => {
  it("shows admins Kestra's version, the flows and the bot's memberships, each ✅/❌ with its fix; others never see it", async () => {
    await start({ withoutFlows: ["main_dev.autofix_batch-issue-autofix.yml"] });
    h.slack.addChannel(OUTSIDE, { botMember: false });
    await h.app.runtime.settings.put(OUTSIDE, { alertChannel: ALERTS });

    const requester = await openHome(h, REQUESTER);
    expect(setupText(requester)).toBeUndefined();
    expect(JSON.stringify(requester.view)).not.toContain(HOME_ACTIONS.setupCheck);

    // The admin's Home, with the channel the bot is not in picked.
    let home = await openHome(h, ADMIN);
    const before = homeVersions(h, ADMIN);
    await viewAction(h, {
      user: ADMIN,
      view: home,
      actionId: HOME_ACTIONS.channel,
      actionType: "conversations_select",
      extra: { selected_conversation: OUTSIDE },
      state: {
        [HOME_BLOCKS.controls]: {
          [HOME_ACTIONS.channel]: { type: "conversations_select", selected_conversation: OUTSIDE },
        },
      },
    });
    home = await nextHome(h, ADMIN, before);
    const text = setupText(home) ?? "";
    expect(text).toContain("✅ Kestra reachable: version 2.0.0.");
    expect(text).toContain("✅ Flow `dev.autofix/ai-issue-autofix` loaded");
    expect(text).toContain("✅ Flow `dev.autofix/setup-check` loaded");
    expect(text).toContain("✅ Flow `dev.autofix/file-issue` loaded");
    expect(text).toContain("❌ Flow `dev.autofix/batch-issue-autofix` is not loaded in Kestra.");
    expect(text).toContain("`kestra/workflows/main_dev.autofix_batch-issue-autofix.yml`");
    expect(text).toContain(`✅ The bot is a member of <#${ALERTS}>.`);
    expect(text).toContain(`❌ The bot is not a member of <#${OUTSIDE}>`);
    expect(text).toContain(`Type \`/invite @autofix\` (the bot's name) in <#${OUTSIDE}>.`);
    expect(text).toContain("*Last setup check*: not run yet.");
    // Every Home published went through the fake's Block Kit checks.
    expect(h.slack.calls.filter((c) => c.method === "views.publish" && c.error)).toEqual([]);
  });

  it("with every flow loaded, each flow line is ✅ (the batch flow's Schedule trigger has no `when`, as Kestra sends it)", async () => {
    await start();
    const text = setupText(await openHome(h, ADMIN)) ?? "";
    for (const flow of ["ai-issue-autofix", "batch-issue-autofix", "setup-check", "file-issue"]) {
      expect(text).toContain(`✅ Flow \`dev.autofix/${flow}\` loaded`);
    }
    expect(text).not.toContain("❌");
  });

  it("Run setup check starts setup-check in Kestra; its report shows ✅/❌ when it arrives, and again from Kestra after a restart", async () => {
    await start();
    let home = await openHome(h, ADMIN);
    home = await press(home, ADMIN);
    expect(setupText(home)).toContain("⏳ Running");
    const execution = h.kestra.executions.find((e) => e.flowId === SETUP_CHECK_FLOW_ID);
    if (!execution) throw new Error("setup-check was not started");
    expect(execution.inputs).toMatchObject({ [SETUP_CHECK.inputs.repo]: "acme/api" });
    expect(execution.labels).toEqual(
      expect.arrayContaining([
        { key: LABELS.team, value: "T0TEST" },
        { key: LABELS.user, value: ADMIN },
      ]),
    );

    // Kestra: the PR token can push, the read token is revoked, no LLM key.
    const uri = await runCheckTask(execution.id, {
      GITHUB_TOKEN,
      GITHUB_READ_TOKEN: "ghp_revoked_read_token_0000",
    });
    const notifyRun = h.kestra.addTaskRun(execution.id, {
      taskId: SETUP_CHECK.tasks.notify,
      state: "RUNNING",
    });
    const before = homeVersions(h, ADMIN);
    const res = await h.notify({ executionId: execution.id, event: "setup_check", resultUri: uri });
    expect(res.status).toBe(200);
    home = await nextHome(h, ADMIN, before);
    const text = setupText(home) ?? "";
    expect(JSON.stringify(home.view)).toContain("The setup check has reported back");
    expect(text).toContain("✅ Webhook token accepted");
    expect(text).toContain("❌ GitHub refused the GitHub read token");
    expect(text).toContain(
      "✅ GitHub PR token (`GITHUB_PR_TOKEN`) valid: can read and push to acme/api.",
    );
    expect(text).toContain("❌ No LLM key");
    expect(text).toContain("Set OPENAI_API_KEY in .env");
    // No secret reaches Slack.
    expect(JSON.stringify(h.slack.calls)).not.toContain("ghp_revoked_read_token_0000");

    // The run ends; a new bot process knows nothing of the notification and reads it all from Kestra.
    h.kestra.setTaskRunState(execution.id, notifyRun, "SUCCESS");
    h.kestra.setState(execution.id, "SUCCESS");
    await h.stopApp();
    await h.startNewApp();
    const again = setupText(await openHome(h, ADMIN)) ?? "";
    expect(again).toContain("✅ Webhook token accepted");
    expect(again).toContain("✅ GitHub PR token (`GITHUB_PR_TOKEN`) valid");
    expect(again).toContain("❌ No LLM key");
  });

  it("a notification with a wrong token is refused and changes nothing; Kestra's failed notify task then shows ❌ with the fix", async () => {
    await start();
    let home = await openHome(h, ADMIN);
    home = await press(home, ADMIN);
    const execution = h.kestra.executions.find((e) => e.flowId === SETUP_CHECK_FLOW_ID);
    if (!execution) throw new Error("setup-check was not started");
    await runCheckTask(execution.id, { GITHUB_TOKEN, OPENAI_API_KEY: "sk-test-key-0123456789" });
    const versions = homeVersions(h, ADMIN);
    const refused = await h.notify(
      { executionId: execution.id, event: "setup_check" },
      "wrong-token-0123456789abcdef",
    );
    expect(refused.status).toBe(401);
    // The flow's notify task fails on the 401; the run ends WARNING (allowFailure).
    h.kestra.addTaskRun(execution.id, { taskId: SETUP_CHECK.tasks.notify, state: "FAILED" });
    h.kestra.setState(execution.id, "WARNING");
    expect(homeVersions(h, ADMIN)).toBe(versions);
    const text = setupText(await openHome(h, ADMIN)) ?? "";
    expect(text).toContain(
      "❌ Kestra's notification did not reach the bot, or the bot refused its token.",
    );
    expect(text).toContain(
      "AUTOFIX_WEBHOOK_TOKEN (bot) and SECRET_AUTOFIX_WEBHOOK_TOKEN (Kestra) must match",
    );
    expect(text).toContain("✅ LLM key set");
  });

  it("a check that could not run says why; without a repository it says so plainly", async () => {
    await start({ env: { AUTOFIX_DEFAULT_REPO: "", AUTOFIX_ALLOWED_REPOS: "acme/*" } });
    let home = await openHome(h, ADMIN);
    home = await press(home, ADMIN);
    const execution = h.kestra.executions.find((e) => e.flowId === SETUP_CHECK_FLOW_ID);
    if (!execution) throw new Error("setup-check was not started");
    expect(execution.inputs[SETUP_CHECK.inputs.repo] ?? "").toBe("");
    await runCheckTask(execution.id, { GITHUB_TOKEN });
    h.kestra.addTaskRun(execution.id, { taskId: SETUP_CHECK.tasks.notify, state: "SUCCESS" });
    h.kestra.setState(execution.id, "SUCCESS");
    let text = setupText(await openHome(h, ADMIN)) ?? "";
    expect(text).toContain(
      "❌ No repository is configured, so the GitHub tokens were only checked for being set.",
    );
    expect(text).toContain("✅ GitHub PR token (`GITHUB_PR_TOKEN`) is set (not tried).");

    // A second check whose task failed (a secret Kestra does not have): its error log is shown.
    home = await press(await openHome(h, ADMIN), ADMIN);
    const second = h.kestra.executions.filter((e) => e.flowId === SETUP_CHECK_FLOW_ID).at(-1);
    if (!second || second.id === execution.id) throw new Error("no second setup-check");
    h.kestra.addTaskRun(second.id, { taskId: SETUP_CHECK.tasks.check, state: "FAILED" });
    h.kestra.addLog(second.id, {
      level: "ERROR",
      taskId: SETUP_CHECK.tasks.check,
      message: "Cannot find secret for key 'GITHUB_PR_TOKEN'",
    });
    h.kestra.addTaskRun(second.id, { taskId: SETUP_CHECK.tasks.notify, state: "SUCCESS" });
    h.kestra.setState(second.id, "WARNING");
    text = setupText(await openHome(h, ADMIN)) ?? "";
    expect(text).toContain(
      "❌ The check could not run: Cannot find secret for key 'GITHUB_PR_TOKEN'",
    );
  });

  it("only admins and owners may run it", async () => {
    await start();
    const admin = await openHome(h, ADMIN);
    // A forged click from someone who is not an admin (the button is not on their Home).
    const home = await press(admin, REQUESTER);
    expect(JSON.stringify(home.view)).toContain(
      "Only workspace admins and owners can run the setup check.",
    );
    expect(h.kestra.executions.filter((e) => e.flowId === SETUP_CHECK_FLOW_ID)).toHaveLength(0);
  });
});
