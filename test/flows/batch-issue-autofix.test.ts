// batch-issue-autofix.yml: 2.x Loop over the issues, bounded, child runs of ai-issue-autofix.
import { describe, expect, it } from "vitest";
import {
  BATCH_FLOW_ID,
  BATCH_INPUTS,
  DEFAULT_NAMESPACE,
  LABELS,
  SINGLE_FLOW_ID,
  SINGLE_INPUTS,
} from "../../src/contracts/flow.ts";
import { allTasks, asList, loadFlow, stringList, stringMap, taskById } from "./flow-walk.ts";

const flow = loadFlow("main_dev.autofix_batch-issue-autofix.yml");
const tasks = allTasks(flow);
const inputs = asList(flow["inputs"]);

describe("batch-issue-autofix", () => {
  it("has the flow id and the inputs of the contract with their defaults", () => {
    expect(flow["id"]).toBe(BATCH_FLOW_ID);
    expect(inputs.map((i) => i["id"]).sort()).toEqual(Object.values(BATCH_INPUTS).sort());
    const byId = Object.fromEntries(inputs.map((i) => [String(i["id"]), i]));
    expect(byId[BATCH_INPUTS.repoUrl]).toMatchObject({ type: "STRING", required: true });
    expect(byId[BATCH_INPUTS.issueLabels]).toMatchObject({ type: "STRING", defaults: "bug" });
    expect(byId[BATCH_INPUTS.maxIssues]).toMatchObject({ type: "INT", defaults: 5 });
    expect(byId[BATCH_INPUTS.createPrs]).toMatchObject({ type: "BOOL", defaults: false });
  });

  it("uses Loop, never the removed ForEach/ForEachItem", () => {
    const types = tasks.map((t) => String(t.task["type"]));
    expect(types).toContain("io.kestra.plugin.core.flow.Loop");
    expect(types.filter((t) => /ForEach/.test(t))).toEqual([]);
  });

  it("bounds the loop's concurrency and keeps going when one issue fails", () => {
    const loop = taskById(flow, "each_issue");
    expect(Number(loop["concurrencyLimit"])).toBeGreaterThanOrEqual(1);
    expect(Number(loop["concurrencyLimit"])).toBeLessThanOrEqual(4);
    expect(loop["transmitFailed"]).toBe(false);
    expect(loop["values"]).toBe("{{ read(outputs.issues.outputFiles['issues.json']) }}");
  });

  it("runs ai-issue-autofix per issue as a waited, label-inheriting subflow", () => {
    const sub = taskById(flow, "autofix");
    expect(sub).toMatchObject({
      type: "io.kestra.plugin.core.flow.Subflow",
      namespace: DEFAULT_NAMESPACE,
      flowId: SINGLE_FLOW_ID,
      wait: true,
      transmitFailed: false,
      inheritLabels: true,
    });
    const subInputs = stringMap(sub["inputs"]);
    expect(Object.keys(subInputs).sort()).toEqual(
      [
        SINGLE_INPUTS.issueUrl,
        SINGLE_INPUTS.applyFix,
        SINGLE_INPUTS.createPr,
        SINGLE_INPUTS.waitForApproval,
        SINGLE_INPUTS.model,
      ].sort(),
    );
    // Every child gets the batch's model.
    expect(subInputs[SINGLE_INPUTS.model]).toBe("{{ inputs.model ?? '' }}");
    expect(subInputs[SINGLE_INPUTS.applyFix]).toBe("{{ inputs.create_prs }}");
    // A PR batch waits per child when the bot asks for approval, else opens PRs directly.
    expect(subInputs[SINGLE_INPUTS.waitForApproval]).toBe(
      "{{ inputs.create_prs and inputs.wait_for_approval }}",
    );
    expect(subInputs[SINGLE_INPUTS.createPr]).toBe(
      "{{ inputs.create_prs and not inputs.wait_for_approval }}",
    );
    // Children are found by the bot through this label.
    expect(stringMap(sub["labels"])[LABELS.batch]).toBe("{{ execution.id }}");
  });

  it("lists issues with the CLI from env values, skipping those with an open autofix PR", () => {
    const issues = taskById(flow, "issues");
    expect(stringList(issues["commands"]).join("\n")).toContain(
      'autofix issues --repo "$REPO_URL" --labels "$LABELS" --max "$MAX" --skip-existing',
    );
    const env = stringMap(issues["env"]);
    expect(env).not.toHaveProperty("GITHUB_TOKEN");
    expect(env["LABELS"]).toBe("{{ inputs.issue_labels }}");
  });

  it("writes a markdown report and exposes it as a FILE output", () => {
    const report = taskById(flow, "report");
    expect(report["type"]).toBe("io.kestra.plugin.core.storage.Write");
    expect(report["extension"]).toBe(".md");
    expect(String(report["content"])).toContain(
      "| Issue | Title | State | Pull request | Execution |",
    );
    expect(asList(flow["outputs"])).toEqual([
      expect.objectContaining({ id: "report", type: "FILE", value: "{{ outputs.report.uri }}" }),
    ]);
  });

  it("notifies the bot once it has ended, from afterExecution", () => {
    expect(asList(flow["afterExecution"]).map((t) => t["id"])).toEqual([
      "notify_finished",
      "notify_failed",
    ]);
    expect(asList(flow["tasks"]).at(-1)?.["id"]).toBe("report");
    expect(flow["errors"]).toBeUndefined();
  });

  it("has a 6-hourly Schedule that is disabled, and no flow-wide concurrency limit", () => {
    const triggers = asList(flow["triggers"]);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({
      type: "io.kestra.plugin.core.trigger.Schedule",
      cron: "0 */6 * * *",
      disabled: true,
    });
    // A batch waiting days for approvals must not queue or cancel every other batch.
    expect(flow["concurrency"]).toBeUndefined();
  });
});
