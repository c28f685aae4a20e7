import { describe, expect, it } from "vitest";
import { parseSettingsForm, type StateValues } from "../../src/home/settings-form.ts";
import { SETTINGS } from "../../src/slack/ids.ts";

const defaults = {
  allowedRepos: [],
  approvers: { users: [], groups: [] },
  alertChannel: undefined,
  defaultRepo: undefined,
  defaultLabels: ["bug"],
  requireApproval: true,
  model: "gpt-4.1",
  mentions: true,
  fileIssues: true,
};
const opts = { webHost: "github.com", defaults };
const C = "C0GENERAL";

function values(
  fields: Partial<Record<keyof typeof SETTINGS.fields, Record<string, unknown>>>,
  channel: string | null = C,
): StateValues {
  const out: StateValues = {
    [SETTINGS.channelBlock]: {
      [SETTINGS.channelAction]: { type: "conversations_select", selected_conversation: channel },
    },
    [`${SETTINGS.fields.defaultRepo}.${C}`]: {
      [SETTINGS.input]: { type: "plain_text_input", value: null },
    },
  };
  for (const [name, state] of Object.entries(fields)) {
    out[`${SETTINGS.fields[name as keyof typeof SETTINGS.fields]}.${C}`] = {
      [SETTINGS.input]: state as { type: string },
    };
  }
  return out;
}
const text = (value: string) => ({ type: "plain_text_input", value });

describe("settings form", () => {
  it("an empty form stores nothing: every field falls back to the environment", () => {
    expect(parseSettingsForm(values({}), opts)).toEqual({ ok: true, channel: C, settings: {} });
  });

  it("stores a conversation switch only when it is turned off (both are on by default)", () => {
    const boxes = (...on: string[]) => ({
      type: "checkboxes",
      selected_options: on.map((value) => ({ value })),
    });
    expect(
      parseSettingsForm(values({ conversation: boxes("mentions", "file_issues") }), opts),
    ).toEqual({ ok: true, channel: C, settings: {} });
    expect(parseSettingsForm(values({ conversation: boxes("mentions") }), opts)).toEqual({
      ok: true,
      channel: C,
      settings: { fileIssues: false },
    });
    expect(parseSettingsForm(values({ conversation: boxes() }), opts)).toEqual({
      ok: true,
      channel: C,
      settings: { mentions: false, fileIssues: false },
    });
  });

  it("normalizes a repository URL, de-duplicates lists, and maps the approval choice", () => {
    const form = parseSettingsForm(
      values({
        defaultRepo: text("https://github.com/acme/api.git"),
        allowedRepos: text("acme/api, acme/api\nacme/*"),
        labels: text(" bug ,good first issue,bug"),
        approverUsers: { type: "multi_users_select", selected_users: ["U0A", "W0B"] },
        approverGroups: text("S0G S0G"),
        requireApproval: { type: "radio_buttons", selected_option: { value: "no" } },
      }),
      opts,
    );
    expect(form).toEqual({
      ok: true,
      channel: C,
      settings: {
        defaultRepo: "acme/api",
        allowedRepos: ["acme/api", "acme/*"],
        defaultLabels: ["bug", "good first issue"],
        approvers: ["U0A", "W0B", "S0G"],
        requireApproval: false,
      },
    });
  });

  it("checks the default repository against the environment's allow-list when none is set here", () => {
    const form = parseSettingsForm(values({ defaultRepo: text("other/x") }), {
      ...opts,
      defaults: { ...defaults, allowedRepos: ["acme/*"] },
    });
    expect(form).toEqual({
      ok: false,
      errors: {
        [`${SETTINGS.fields.defaultRepo}.${C}`]: "other/x is not among the allowed repositories.",
      },
    });
  });

  it("asks for a channel, refuses direct messages and a second alerts channel", () => {
    expect(parseSettingsForm(values({}, null), opts)).toEqual({
      ok: false,
      errors: { [SETTINGS.channelBlock]: "Pick the channel these settings are for." },
    });
    expect(parseSettingsForm(values({}, "D0DM"), opts)).toMatchObject({ ok: false });
    const alerts = parseSettingsForm(
      values({
        alerts: { type: "multi_conversations_select", selected_conversations: ["C1", "C2"] },
      }),
      opts,
    );
    expect(alerts).toEqual({
      ok: false,
      errors: { [`${SETTINGS.fields.alerts}.${C}`]: "Pick one alerts channel." },
    });
  });

  it("refuses a label longer than 50 characters and more than 50 approvers", () => {
    const form = parseSettingsForm(
      values({
        labels: text("x".repeat(51)),
        approverUsers: {
          type: "multi_users_select",
          selected_users: Array.from({ length: 51 }, (_, i) => `U0${i}`),
        },
      }),
      opts,
    );
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(Object.keys(form.errors).sort()).toEqual(
      [`${SETTINGS.fields.approverGroups}.${C}`, `${SETTINGS.fields.labels}.${C}`].sort(),
    );
  });
});
