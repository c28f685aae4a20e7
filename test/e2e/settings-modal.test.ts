import { afterEach, describe, expect, it } from "vitest";
import { SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { REFUSAL } from "../../src/home/permissions.ts";
import { settingsKey } from "../../src/settings/settings-store.ts";
import { LOADING_TEXT } from "../../src/slack/blocks/modal-notes.ts";
import { ACTIONS, HOME_ACTIONS, HOME_BLOCKS, SETTINGS } from "../../src/slack/ids.ts";
import { validateView } from "../fakes/slack/block-kit.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import {
  CHANNEL,
  type Harness,
  ISSUE_URL,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from "../support/harness.ts";
import { sendViewSubmission } from "../support/slack-requests.ts";
import {
  blocksOf,
  homeVersions,
  nextHome,
  openHome,
  type StateValues,
  type ViewRecord,
  viewAction,
  viewText,
} from "./home-helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

const ADMIN = "U0ADMIN";
const OTHER_CHANNEL = "C0OTHER";

async function setup(env: Record<string, string> = {}) {
  h = await startHarness({ env });
  h.slack.addUser(ADMIN, { isAdmin: true });
  h.slack.addChannel(OTHER_CHANNEL);
}

/**
 * Opens the Home, then presses Settings with `channel` picked there. The button opens a
 * "Loading…" modal at once; this returns the modal once it shows what was loaded.
 */
async function openSettings(
  user: string,
  channel: string | undefined,
  opts: { triggerTtlMs?: number } = {},
): Promise<ViewRecord> {
  const home = await openHome(h, user);
  const before = h.slack.views.modals.length;
  const triggerId = h.slack.issueTriggerId({
    userId: user,
    ...(opts.triggerTtlMs ? { ttlMs: opts.triggerTtlMs } : {}),
  });
  const res = await viewAction(h, {
    user,
    view: home,
    triggerId,
    actionId: HOME_ACTIONS.settings,
    value: "settings",
    state: {
      [HOME_BLOCKS.controls]: {
        [HOME_ACTIONS.channel]: {
          type: "conversations_select",
          selected_conversation: channel ?? null,
        },
      },
    },
  });
  expect(res.status).toBe(200);
  const opened = await h.slack.waitFor(() => h.slack.views.modals[before], {
    description: "the settings modal",
  });
  expect(opened.triggerId).toBe(triggerId);
  expect(viewText(opened.versions[0] ?? {})).toContain(LOADING_TEXT);
  const modal = await h.slack.waitFor(() => (opened.versions.length > 1 ? opened : undefined), {
    description: "the settings modal's content",
  });
  return { id: modal.id, hash: modal.hash, view: modal.view };
}

interface FormInput {
  defaultRepo?: string;
  allowed?: string;
  labels?: string;
  alerts?: string[];
  users?: string[];
  groups?: string;
  approval?: "default" | "yes" | "no";
  model?: string;
}

/** The modal's state.values as Slack submits them, for fields loaded for `channel`. */
function formValues(channel: string, f: FormInput, loadedFor = channel): StateValues {
  const id = (name: keyof typeof SETTINGS.fields) => `${SETTINGS.fields[name]}.${loadedFor}`;
  const text = (value: string | undefined) => ({
    [SETTINGS.input]: { type: "plain_text_input", value: value ?? null },
  });
  return {
    [SETTINGS.channelBlock]: {
      [SETTINGS.channelAction]: { type: "conversations_select", selected_conversation: channel },
    },
    [id("defaultRepo")]: text(f.defaultRepo),
    [id("allowedRepos")]: text(f.allowed),
    [id("labels")]: text(f.labels),
    [id("alerts")]: {
      [SETTINGS.input]: {
        type: "multi_conversations_select",
        selected_conversations: f.alerts ?? [],
      },
    },
    [id("approverUsers")]: {
      [SETTINGS.input]: { type: "multi_users_select", selected_users: f.users ?? [] },
    },
    [id("approverGroups")]: text(f.groups),
    [id("model")]: text(f.model),
    [id("requireApproval")]: {
      [SETTINGS.input]: {
        type: "radio_buttons",
        selected_option: {
          text: { type: "plain_text", text: "x" },
          value: f.approval ?? "default",
        },
      },
    },
  };
}

function submit(user: string, values: StateValues, viewId?: string) {
  return sendViewSubmission(h.url, SIGNING_SECRET, {
    user,
    callbackId: SETTINGS.callbackId,
    values,
    ...(viewId ? { viewId } : {}),
  });
}

/**
 * Submits valid input from an open settings modal: the ack replaces the form with "Saving…"
 * (checked like any view), then the modal is updated with the outcome, which is returned.
 */
async function save(user: string, modal: ViewRecord, values: StateValues) {
  const record = h.slack.views.modals.find((m) => m.id === modal.id);
  if (!record) throw new Error("no such modal");
  const versions = record.versions.length;
  const res = await submit(user, values, modal.id);
  expect(res.status).toBe(200);
  const body = res.body as { response_action?: string; view?: Record<string, unknown> };
  expect(body.response_action).toBe("update");
  expect(validateView(body.view, ["modal"])).toEqual([]);
  expect(viewText(body.view ?? {})).toContain("Saving the settings of");
  await h.slack.waitFor(() => (record.versions.length > versions ? record : undefined), {
    description: "the settings outcome",
  });
  return { ack: body, outcome: viewText(record.view), view: record.view };
}

const stored = () => h.app.runtime.kestra.kvGet(settingsKey(CHANNEL));

function field(modal: ViewRecord, name: keyof typeof SETTINGS.fields, channel: string) {
  const block = blocksOf(modal.view).find(
    (b) => b["block_id"] === `${SETTINGS.fields[name]}.${channel}`,
  );
  return block?.["element"] as Record<string, unknown> | undefined;
}

describe("settings modal: who may open and save it", () => {
  it("refuses a non-admin who is not an approver of the channel, at open and at submission", async () => {
    await setup({ AUTOFIX_APPROVERS: "U0LEAD" });
    const modal = await openSettings("U0STRANGER", CHANNEL);
    expect(viewText(modal.view)).toContain(REFUSAL);
    expect(field(modal, "allowedRepos", CHANNEL)).toBeUndefined();

    // A forged submission: answered with "Saving…", then refused in the modal and on the Home.
    const homeBefore = homeVersions(h, "U0STRANGER");
    const { outcome, view } = await save(
      "U0STRANGER",
      modal,
      formValues(CHANNEL, { allowed: "acme/api" }),
    );
    expect(outcome).toContain(REFUSAL);
    expect(outcome).toContain("Nothing was saved");
    expect(view["submit"]).toBeUndefined();
    const home = await nextHome(h, "U0STRANGER", homeBefore);
    expect(viewText(home.view)).toContain(REFUSAL);
    expect(await stored()).toBeUndefined();

    // Without a channel picked on the Home, a non-admin only gets an explanation.
    const bare = await openSettings("U0STRANGER", undefined);
    expect(bare.view["submit"]).toBeUndefined();
    expect(viewText(bare.view)).toContain("Post runs in");
  });

  it("opens for workspace admins and for the channel's approvers (settings override the environment's)", async () => {
    await setup({ AUTOFIX_APPROVERS: "U0LEAD" });
    expect(field(await openSettings(ADMIN, CHANNEL), "allowedRepos", CHANNEL)).toBeDefined();
    expect(field(await openSettings("U0LEAD", CHANNEL), "allowedRepos", CHANNEL)).toBeDefined();

    h.slack.setUsergroup("S0REVIEWERS", ["U0REVIEWER"]);
    const saved = await save(
      ADMIN,
      await openSettings(ADMIN, CHANNEL),
      formValues(CHANNEL, { groups: "S0REVIEWERS" }),
    );
    expect(saved.outcome).toContain(`Saved the settings of <#${CHANNEL}>`);
    // A member of the configured group may now edit; the environment's approver no longer may.
    expect(field(await openSettings("U0REVIEWER", CHANNEL), "labels", CHANNEL)).toBeDefined();
    const lead = await openSettings("U0LEAD", CHANNEL);
    expect(viewText(lead.view)).toContain(REFUSAL);
    const refused = await save("U0LEAD", lead, formValues(CHANNEL, {}));
    expect(refused.outcome).toContain(REFUSAL);
    expect(await stored()).toMatchObject({ approvers: ["S0REVIEWERS"] });
  });
});

describe("settings modal: the channel's model", () => {
  it("stores a model id, shows it next time, and refuses one that is no model id", async () => {
    await setup();
    const refused = await submit(ADMIN, formValues(CHANNEL, { model: "gpt 4" }));
    expect(JSON.stringify(refused.body)).toContain("is not a model id");
    expect(await stored()).toBeUndefined();
    const saved = await save(
      ADMIN,
      await openSettings(ADMIN, CHANNEL),
      formValues(CHANNEL, { model: "o4-mini" }),
    );
    expect(saved.outcome).toContain(`Saved the settings of <#${CHANNEL}>`);
    expect(await stored()).toMatchObject({ model: "o4-mini" });
    const again = await openSettings(ADMIN, CHANNEL);
    expect(JSON.stringify(field(again, "model", CHANNEL))).toContain('"initial_value":"o4-mini"');
    expect(viewText(again.view)).toContain("Default: gpt-4.1.");
  });
});

describe("settings modal: validation", () => {
  it("answers every invalid field inline and saves nothing", async () => {
    await setup();
    const res = await submit(
      ADMIN,
      formValues(CHANNEL, {
        defaultRepo: "not a repo",
        allowed: "acme/api, bad!",
        labels: Array.from({ length: 11 }, (_, i) => `l${i}`).join(","),
        users: ["U0LEAD"],
        groups: "@devs",
      }),
    );
    expect(res.status).toBe(200);
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe("errors");
    expect(body.errors).toEqual({
      [`${SETTINGS.fields.defaultRepo}.${CHANNEL}`]: expect.stringContaining("Use owner/repo"),
      [`${SETTINGS.fields.allowedRepos}.${CHANNEL}`]: expect.stringContaining(
        '"bad!" is not owner/repo or owner/*',
      ),
      [`${SETTINGS.fields.labels}.${CHANNEL}`]: "At most 10 labels (you entered 11).",
      [`${SETTINGS.fields.approverGroups}.${CHANNEL}`]: expect.stringContaining(
        '"@devs" is not a user group id',
      ),
    });
    expect(await stored()).toBeUndefined();
  });

  it("refuses too many repositories, a default repository off the allow-list, and fields loaded for another channel", async () => {
    await setup();
    const many = Array.from({ length: 51 }, (_, i) => `acme/r${i}`).join("\n");
    const tooMany = await submit(ADMIN, formValues(CHANNEL, { allowed: many }));
    expect((tooMany.body as { errors: Record<string, string> }).errors).toEqual({
      [`${SETTINGS.fields.allowedRepos}.${CHANNEL}`]:
        "At most 50 entries (you entered 51); use owner/* for a whole owner.",
    });
    const offList = await submit(
      ADMIN,
      formValues(CHANNEL, { allowed: "acme/*", defaultRepo: "other/repo" }),
    );
    expect((offList.body as { errors: Record<string, string> }).errors).toEqual({
      [`${SETTINGS.fields.defaultRepo}.${CHANNEL}`]:
        "other/repo is not among the allowed repositories.",
    });
    const mismatch = await submit(ADMIN, formValues(CHANNEL, {}, OTHER_CHANNEL));
    expect((mismatch.body as { errors: Record<string, string> }).errors).toHaveProperty(
      SETTINGS.channelBlock,
    );
    expect(await stored()).toBeUndefined();
  });
});

describe("settings modal: KV round trip", () => {
  it("saves to Kestra's KV, pre-fills the modal, and changes what /autofix and approvals do in that channel", async () => {
    await setup();
    const opened = await openSettings(ADMIN, CHANNEL);
    const homeBefore = homeVersions(h, ADMIN);
    const res = await save(
      ADMIN,
      opened,
      formValues(CHANNEL, {
        defaultRepo: "https://github.com/acme/api",
        allowed: "acme/api\nacme/web",
        labels: "bug, autofix",
        alerts: ["C0ALERTS"],
        users: ["U0LEAD"],
        approval: "yes",
      }),
    );
    expect(res.outcome).toContain(`✅ Saved the settings of <#${CHANNEL}>`);
    expect(res.view["submit"]).toBeUndefined();
    expect(await stored()).toMatchObject({
      defaultRepo: "acme/api",
      allowedRepos: ["acme/api", "acme/web"],
      defaultLabels: ["bug", "autofix"],
      alertChannel: "C0ALERTS",
      approvers: ["U0LEAD"],
      requireApproval: true,
      updatedBy: ADMIN,
    });
    // The submitter's Home shows the channel and says it was saved.
    const home = await nextHome(h, ADMIN, homeBefore);
    expect(viewText(home.view)).toContain(`Saved the settings of <#${CHANNEL}>`);
    expect(viewText(home.view)).toContain("acme/api, acme/web");

    // The modal loads them back.
    const modal = await openSettings(ADMIN, CHANNEL);
    expect(field(modal, "defaultRepo", CHANNEL)?.["initial_value"]).toBe("acme/api");
    expect(field(modal, "allowedRepos", CHANNEL)?.["initial_value"]).toBe("acme/api\nacme/web");
    expect(field(modal, "labels", CHANNEL)?.["initial_value"]).toBe("bug, autofix");
    expect(field(modal, "alerts", CHANNEL)?.["initial_conversations"]).toEqual(["C0ALERTS"]);
    expect(field(modal, "approverUsers", CHANNEL)?.["initial_users"]).toEqual(["U0LEAD"]);
    expect(field(modal, "requireApproval", CHANNEL)?.["initial_option"]).toMatchObject({
      value: "yes",
    });

    // The allow-list now refuses another repository here, and only here.
    const url = h.slack.responseUrl();
    await h.command("https://github.com/other/repo/issues/1", { response_url: url });
    await h.slack.waitFor(() => h.slack.responses(url).length > 0);
    expect(JSON.stringify(h.slack.responses(url))).toContain(
      "other/repo is not on this channel's allow-list (acme/api, acme/web)",
    );
    const elsewhere = h.slack.responseUrl();
    await h.command("https://github.com/other/repo/issues/1", {
      response_url: elsewhere,
      channel_id: OTHER_CHANNEL,
    });
    await h.slack.waitFor(() => h.slack.responses(elsewhere).length > 0);
    expect(JSON.stringify(h.slack.responses(elsewhere))).not.toContain("allow-list");

    // The channel's approver governs approvals: the requester alone may not approve.
    await h.command(ISSUE_URL);
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    const run = FlowDriver.latest(h);
    expect(h.kestra.execution(run.id).inputs[SINGLE_INPUTS.waitForApproval]).toBe(true);
    const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
    await run.started();
    await run.patchReady();
    // The buttons are on the run's root, naming the channel's approver.
    expect(JSON.stringify(h.slack.message(CHANNEL, root.ts)?.blocks)).toContain("<@U0LEAD>");
    const approve = (user: string) =>
      h.click({ user, messageTs: root.ts, actionId: ACTIONS.approve, value: run.id });
    await approve(REQUESTER);
    await h.slack.waitFor(() => h.slack.ephemerals.length === 1);
    expect(h.kestra.resumes).toHaveLength(0);
    await approve("U0LEAD");
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  });

  it("a channel set to open PRs without approval starts runs that way", async () => {
    await setup({ AUTOFIX_REQUIRE_APPROVAL: "true" });
    await save(ADMIN, await openSettings(ADMIN, CHANNEL), formValues(CHANNEL, { approval: "no" }));
    await h.command(ISSUE_URL);
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    const inputs = h.kestra.executions[0]?.inputs ?? {};
    expect(inputs[SINGLE_INPUTS.waitForApproval]).toBe(false);
    expect(inputs[SINGLE_INPUTS.createPr]).toBe(true);
  });

  it("picking another channel in the modal reloads the form with that channel's settings", async () => {
    await setup();
    await save(
      ADMIN,
      await openSettings(ADMIN, CHANNEL),
      formValues(CHANNEL, { allowed: "acme/api" }),
    );
    const modal = await openSettings(ADMIN, CHANNEL);
    const pick = async (channel: string) => {
      const versions = h.slack.views.modals.find((m) => m.id === modal.id)?.versions.length ?? 0;
      await viewAction(h, {
        user: ADMIN,
        view: modal,
        actionId: SETTINGS.channelAction,
        actionType: "conversations_select",
        extra: { selected_conversation: channel },
      });
      const record = await h.slack.waitFor(() => {
        const m = h.slack.views.modals.find((v) => v.id === modal.id);
        return m && m.versions.length > versions ? m : undefined;
      });
      modal.hash = record.hash;
      return { id: record.id, hash: record.hash, view: record.view };
    };
    const other = await pick(OTHER_CHANNEL);
    expect(field(other, "allowedRepos", OTHER_CHANNEL)).toBeDefined();
    expect(field(other, "allowedRepos", OTHER_CHANNEL)?.["initial_value"]).toBeUndefined();
    const back = await pick(CHANNEL);
    expect(field(back, "allowedRepos", CHANNEL)?.["initial_value"]).toBe("acme/api");
  });
});

describe("settings modal: Slack's 3-second limits", () => {
  it("opens at once although Kestra is slow, then says the settings cannot be read", async () => {
    await setup();
    h.kestra.failNext({ method: "GET", path: /\/kv\/slack-settings-/ }, "timeout");
    // A trigger that expires before Kestra's timeout: it must be used before any Kestra read.
    const modal = await openSettings(ADMIN, CHANNEL, { triggerTtlMs: 1000 });
    const text = viewText(modal.view);
    expect(text).toContain("The settings cannot be read right now");
    expect(text).toContain("Kestra is not reachable right now");
    expect(field(modal, "allowedRepos", CHANNEL)).toBeUndefined();
    expect(h.slack.calls.filter((c) => c.method.startsWith("views.") && c.error)).toEqual([]);
  });

  it("says so when approvers cannot be read, instead of refusing", async () => {
    await setup({ AUTOFIX_APPROVERS: "U0LEAD" });
    h.kestra.failNext({ method: "GET", path: /\/kv\/slack-settings-/ }, { status: 500 });
    const modal = await openSettings("U0LEAD", CHANNEL);
    expect(viewText(modal.view)).toContain("cannot be checked right now");
    expect(viewText(modal.view)).not.toContain(REFUSAL);
  });

  it("answers a valid submission with “Saving…” before writing to Kestra; a failed write keeps the input for another try", async () => {
    await setup();
    const modal = await openSettings(ADMIN, CHANNEL);
    h.kestra.failNext({ method: "PUT", path: /\/kv\/slack-settings-/ }, "timeout");
    const homeBefore = homeVersions(h, ADMIN);
    const values = formValues(CHANNEL, { allowed: "acme/api\nacme/web", labels: "bug" });
    const failed = await save(ADMIN, modal, values);
    expect(failed.outcome).toContain("Not saved:");
    expect(failed.outcome).toContain("Kestra is not reachable right now");
    // The form again, filled with what was submitted, with its Save button.
    const again = { ...modal, view: failed.view };
    expect(failed.view["submit"]).toBeDefined();
    expect(field(again, "allowedRepos", CHANNEL)?.["initial_value"]).toBe("acme/api\nacme/web");
    expect(field(again, "labels", CHANNEL)?.["initial_value"]).toBe("bug");
    const home = await nextHome(h, ADMIN, homeBefore);
    expect(viewText(home.view)).toContain(`The settings of <#${CHANNEL}> were not saved`);
    expect(await stored()).toBeUndefined();

    const retried = await save(ADMIN, modal, values);
    expect(retried.outcome).toContain("✅ Saved");
    expect(await stored()).toMatchObject({ allowedRepos: ["acme/api", "acme/web"] });
  });
});
