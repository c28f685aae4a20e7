// Runs of a (private) channel are only shown to those who may see them: from the run's own
// channel, to its requester, or to an approver of that channel. Everyone else gets the answer
// an unknown id gets, so that not even a run's existence leaks.

import { afterEach, describe, expect, it } from "vitest";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { ask, seedRun } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

const PRIVATE = "C0PRIVATE";
const OWNER = "U0OTHER";
const APPROVER = "U0LEAD";
const STRANGER = "U0STRANGER";
const SECRET_TITLE = "Secret acquisition of Initech";
const UNKNOWN = "7nOsUcHrUn0000000000aa";

/** A run requested by OWNER in a private channel whose settings name APPROVER. */
async function privateRun(issue = 42) {
  h.slack.addChannel(PRIVATE, { isPrivate: true });
  await h.app.runtime.settings.put(PRIVATE, { approvers: [APPROVER] });
  return seedRun(h, {
    issue,
    channel: PRIVATE,
    user: OWNER,
    state: "FAILED",
    title: SECRET_TITLE,
  });
}

const from = (user: string, channel = CHANNEL) => ({ user_id: user, channel_id: channel });

describe("/autofix status <execution-id> of another channel's run", () => {
  it("answers a user who is neither requester nor approver exactly like an unknown id", async () => {
    h = await startHarness();
    const run = await privateRun();
    const unknown = await ask(h, `status ${UNKNOWN}`, from(STRANGER));
    const hidden = await ask(h, `status ${run.id}`, from(STRANGER));
    expect(hidden.text).toBe(unknown.text.replace(UNKNOWN, run.id));
    expect(hidden.blocks).toEqual(unknown.blocks);
    expect(hidden.json).not.toContain(SECRET_TITLE);
    expect(hidden.json).not.toContain("acme/api#42");
    expect(hidden.json).not.toContain(PRIVATE);
  });

  it("shows it to its requester from another channel, to the channel's approver, and in its own channel", async () => {
    h = await startHarness();
    const run = await privateRun();
    for (const [user, channel] of [
      [OWNER, CHANNEL],
      [APPROVER, CHANNEL],
      [STRANGER, PRIVATE],
    ] as const) {
      const answer = await ask(h, `status ${run.id}`, from(user, channel));
      expect(answer.json, `${user} in ${channel}`).toContain("*Failed*");
      expect(answer.json).toContain("acme/api#42");
      expect(answer.json).toContain(`p${run.rootTs.replace(".", "")}|Slack thread`);
    }
  });

  it("an approver of another channel is not an approver here", async () => {
    h = await startHarness();
    const run = await privateRun();
    await h.app.runtime.settings.put(CHANNEL, { approvers: [STRANGER] });
    const answer = await ask(h, `status ${run.id}`, from(STRANGER));
    expect(answer.text).toMatch(/^No such run: `/);
  });
});

describe("/autofix status <issue-url>", () => {
  it("answers with the newest run the user may see, and like a never-fixed issue when there is none", async () => {
    h = await startHarness();
    const mine = await seedRun(h, { issue: 42, state: "FAILED" });
    const hidden = await privateRun(42);

    const requester = await ask(h, "status https://github.com/acme/api/issues/42");
    expect(requester.json).toContain(`/${mine.id}|Kestra execution>`);
    expect(requester.json).not.toContain(hidden.id);
    expect(requester.json).not.toContain(SECRET_TITLE);

    const approver = await ask(h, "status https://github.com/acme/api/issues/42", from(APPROVER));
    expect(approver.json).toContain(`/${hidden.id}|Kestra execution>`);

    const never = await ask(h, "status https://github.com/acme/api/issues/5", from(STRANGER));
    const stranger = await ask(
      h,
      "status https://github.com/acme/api/issues/42",
      from(STRANGER, "C0ALERTS"),
    );
    expect(never.text).toBe("No autofix run found for acme/api#5.");
    expect(stranger.text).toBe("No autofix run found for acme/api#42.");
    expect(stranger.json).not.toContain(hidden.id);
    expect(stranger.json).not.toContain(mine.id);
  });
});

describe("/autofix logs <execution-id> of another channel's run", () => {
  it("reads no logs for a user who may not see the run, and answers like an unknown id", async () => {
    h = await startHarness();
    const run = await privateRun();
    h.kestra.addLog(run.id, { level: "ERROR", taskId: "fix", message: "merger memo leaked" });
    const unknown = await ask(h, `logs ${UNKNOWN}`, from(STRANGER));
    const mark = h.kestra.requests.length;
    const answer = await ask(h, `logs ${run.id}`, from(STRANGER));
    expect(answer.text).toBe(unknown.text.replace(UNKNOWN, run.id));
    expect(answer.json).not.toContain("merger memo");
    expect(h.kestra.requests.slice(mark).some((r) => r.path.includes("/logs/"))).toBe(false);
  });

  it("shows the lines to the requester elsewhere, to the channel's approver, and in the run's channel", async () => {
    h = await startHarness();
    const run = await privateRun();
    h.kestra.addLog(run.id, { level: "ERROR", taskId: "fix", message: "merger memo leaked" });
    for (const [user, channel] of [
      [OWNER, CHANNEL],
      [APPROVER, CHANNEL],
      [REQUESTER, PRIVATE],
    ] as const) {
      const answer = await ask(h, `logs ${run.id}`, from(user, channel));
      expect(answer.json, `${user} in ${channel}`).toContain("ERROR fix: merger memo leaked");
    }
  });
});
