// ai-issue-autofix.yml against the shared contract (src/contracts/flow.ts) and its safety rules.
import { describe, expect, it } from "vitest";
import {
  LABELS,
  OUTPUT_FILES,
  RESUME_INPUTS,
  SINGLE_FLOW_ID,
  SINGLE_INPUTS,
  TASKS,
} from "../../src/contracts/flow.ts";
import {
  allTasks,
  asList,
  isObject,
  loadFlow,
  stringList,
  stringMap,
  taskById,
} from "./flow-walk.ts";

const flow = loadFlow("main_dev.autofix_ai-issue-autofix.yml");
const tasks = allTasks(flow);
const inputs = asList(flow["inputs"]);
const input = (id: string) => {
  const found = inputs.find((i) => i["id"] === id);
  if (!found) throw new Error(`no input ${id}`);
  return found;
};

describe("ai-issue-autofix contract", () => {
  it("has the flow id the bot starts", () => {
    expect(flow["id"]).toBe(SINGLE_FLOW_ID);
  });

  it("declares exactly the inputs the bot sends, with their types and defaults", () => {
    expect(inputs.map((i) => i["id"]).sort()).toEqual(Object.values(SINGLE_INPUTS).sort());
    expect(input(SINGLE_INPUTS.issueUrl)).toMatchObject({ type: "STRING", required: true });
    expect(input(SINGLE_INPUTS.repoUrl)).toMatchObject({ type: "STRING", required: false });
    expect(input(SINGLE_INPUTS.model)).toMatchObject({ type: "STRING", required: false });
    expect(input(SINGLE_INPUTS.feedback)).toMatchObject({ type: "STRING", required: false });
    expect(input(SINGLE_INPUTS.previousPatch)).toMatchObject({ type: "FILE", required: false });
    expect(input(SINGLE_INPUTS.prNumber)).toMatchObject({ type: "INT", required: false });
    for (const id of [
      SINGLE_INPUTS.applyFix,
      SINGLE_INPUTS.createPr,
      SINGLE_INPUTS.waitForApproval,
    ]) {
      expect(input(id)).toMatchObject({ type: "BOOL", defaults: false });
    }
  });

  it("has the task ids the bot reads", () => {
    const ids = tasks.map((t) => t.task["id"]);
    for (const id of Object.values(TASKS)) expect(ids).toContain(id);
    expect(tasks[0]?.task["id"]).toBe(TASKS.validate);
  });

  it("pauses for 7 days with the resume inputs the bot sends, failing on expiry", () => {
    const approval = taskById(flow, TASKS.approval);
    expect(approval["type"]).toBe("io.kestra.plugin.core.flow.Pause");
    expect(approval["pauseDuration"]).toBe("P7D");
    expect(approval["behavior"]).toBe("FAIL");
    const onResume = asList(approval["onResume"]);
    expect(onResume.map((i) => i["id"]).sort()).toEqual(Object.values(RESUME_INPUTS).sort());
    expect(onResume.find((i) => i["id"] === RESUME_INPUTS.approved)).toMatchObject({
      type: "BOOL",
      defaults: false,
    });
    expect(onResume.find((i) => i["id"] === RESUME_INPUTS.approver)).toMatchObject({
      type: "STRING",
      required: true,
    });
  });

  it("exposes the worker's files through outputFiles and hands them to create_pr", () => {
    const fix = taskById(flow, TASKS.fix);
    expect(stringList(fix["outputFiles"]).sort()).toEqual(Object.values(OUTPUT_FILES).sort());
    const inputFiles = stringMap(taskById(flow, TASKS.createPr)["inputFiles"]);
    expect(inputFiles[OUTPUT_FILES.patch]).toBe("{{ outputs.fix.outputFiles['patch.diff'] }}");
  });

  it("runs the worker commands from env only", () => {
    const fix = taskById(flow, TASKS.fix);
    expect(stringList(fix["commands"]).join("\n")).toContain(
      'autofix fix --issue "$ISSUE_URL" --repo "$REPO_URL" --out .',
    );
    expect(stringMap(fix["env"])).toMatchObject({
      ISSUE_URL: "{{ inputs.issue_url }}",
      REPO_URL: "{{ outputs.validate.vars.repo_url }}",
    });
    const pr = taskById(flow, TASKS.createPr);
    expect(stringList(pr["commands"]).join("\n")).toContain(
      'autofix pr --issue "$ISSUE_URL" --patch patch.diff',
    );
  });

  it("hands a revision's feedback (env) and previous patch (inputFiles) to the worker", () => {
    const fix = taskById(flow, TASKS.fix);
    expect(stringMap(fix["env"])["AUTOFIX_FEEDBACK"]).toBe(
      `{{ inputs.${SINGLE_INPUTS.feedback} ?? '' }}`,
    );
    expect(stringMap(fix["inputFiles"])).toEqual({
      "previous.diff": `{{ inputs.${SINGLE_INPUTS.previousPatch} ?? '' }}`,
    });
    const commands = stringList(fix["commands"]).join("\n");
    expect(commands).toContain("--feedback-file feedback.txt");
    expect(commands).toContain("--previous-patch previous.diff");
    // Nothing the reviewer wrote can reach the script text: only env and files.
    expect(commands).not.toContain("inputs.");
  });

  it("hands a follow-up's PR to the worker and to create_pr from env, with the fix's base", () => {
    const pr = `{{ inputs.${SINGLE_INPUTS.prNumber} ?? '' }}`;
    expect(stringMap(taskById(flow, TASKS.fix)["env"])["AUTOFIX_PR_NUMBER"]).toBe(pr);
    const create = taskById(flow, TASKS.createPr);
    expect(stringMap(create["env"])).toMatchObject({
      AUTOFIX_PR_NUMBER: pr,
      AUTOFIX_BASE_SHA: "{{ outputs.fix.vars.base_sha ?? '' }}",
    });
    const commands = stringList(create["commands"]).join("\n");
    expect(commands).toContain(
      'autofix push --issue "$ISSUE_URL" --pr "$AUTOFIX_PR_NUMBER" --base "$AUTOFIX_BASE_SHA"',
    );
    expect(commands).not.toContain("inputs.");
  });

  it("uses the project's image with a configurable, local-first pull policy", () => {
    for (const id of [TASKS.fix, TASKS.createPr]) {
      const task = taskById(flow, id);
      expect(task["containerImage"]).toBe(
        "{{ envs.autofix_worker_image ?? 'autofix-slack:local' }}",
      );
      const runner = task["taskRunner"];
      if (!isObject(runner)) throw new Error("taskRunner missing");
      expect(runner["type"]).toBe("io.kestra.plugin.scripts.runner.docker.Docker");
      expect(runner["pullPolicy"]).toBe("{{ envs.autofix_worker_pull_policy ?? 'NEVER' }}");
    }
  });
});

describe("ai-issue-autofix GitHub tokens", () => {
  it("gives the fix task a read-only token and no GITHUB_TOKEN", () => {
    const env = stringMap(taskById(flow, TASKS.fix)["env"]);
    expect(env).not.toHaveProperty("GITHUB_TOKEN");
    expect(env["GITHUB_READ_TOKEN"]).toBe("{{ secret('GITHUB_READ_TOKEN') }}");
    expect(Object.values(env).join(" ")).not.toContain("GITHUB_PR_TOKEN");
  });

  it("gives the write token to create_pr and to no other task", () => {
    const holders = tasks
      .filter(({ task }) => {
        const env = stringMap(task["env"]);
        return (
          "GITHUB_TOKEN" in env || Object.values(env).some((v) => v.includes("GITHUB_PR_TOKEN"))
        );
      })
      .map(({ task }) => task["id"]);
    expect(holders).toEqual([TASKS.createPr]);
    expect(stringMap(taskById(flow, TASKS.createPr)["env"])["GITHUB_TOKEN"]).toBe(
      "{{ secret('GITHUB_PR_TOKEN') }}",
    );
  });
});

describe("ai-issue-autofix gating", () => {
  const parentOf = (id: string) => {
    const found = tasks.find((t) => t.path.endsWith(`/then/${id}`));
    if (!found) throw new Error(`${id} is not inside an If`);
    const parentId = found.path.split("/").at(-3) ?? "";
    return taskById(flow, parentId);
  };

  it("pauses only when a fix may be applied and approval is wanted", () => {
    expect(parentOf(TASKS.approval)["condition"]).toBe(
      "{{ inputs.apply_fix and inputs.wait_for_approval }}",
    );
  });

  it("opens a PR only with apply_fix, and then only when approved or when nobody has to approve", () => {
    const condition = String(parentOf(TASKS.createPr)["condition"]);
    expect(condition).toMatch(/^\{\{ inputs\.apply_fix and \(/);
    expect(condition).toContain(
      "inputs.wait_for_approval and (outputs.approval.onResume.approved ?? false)",
    );
    expect(condition).toContain("inputs.create_pr and not inputs.wait_for_approval");
  });

  it("never changes the execution labels the bot set (no Labels task, no flow labels)", () => {
    expect(flow).not.toHaveProperty("labels");
    for (const { task } of tasks) {
      expect(task["type"]).not.toBe("io.kestra.plugin.core.execution.Labels");
    }
    expect(JSON.stringify(flow)).not.toContain(LABELS.channel);
  });
});

describe("ai-issue-autofix input validators", () => {
  const issue = new RegExp(String(input(SINGLE_INPUTS.issueUrl)["validator"]));
  const repo = new RegExp(String(input(SINGLE_INPUTS.repoUrl)["validator"]));

  it("accepts https issue URLs of github.com and GitHub Enterprise hosts", () => {
    expect(issue.test("https://github.com/acme/api/issues/42")).toBe(true);
    expect(issue.test("https://github.com/acme/my.repo_x-1/issues/7/")).toBe(true);
    expect(issue.test("https://ghe.example.com/acme/api/issues/1")).toBe(true);
  });

  it("rejects non-https, pull requests, other paths and shell metacharacters", () => {
    for (const bad of [
      "http://github.com/acme/api/issues/42",
      "https://github.com/acme/api/pull/42",
      "https://github.com/acme/api/issues/0",
      "https://github.com/acme/api/issues/42?x=1",
      "https://github.com/acme/api/issues/42;rm -rf /",
      "https://github.com/-acme/api/issues/42",
      "https://github.com/acme/api",
      "",
    ]) {
      expect(issue.test(bad), bad).toBe(false);
    }
  });

  it("accepts an empty repo_url or a plain repository URL", () => {
    expect(repo.test("")).toBe(true);
    expect(repo.test("https://github.com/acme/api")).toBe(true);
    expect(repo.test("https://github.com/acme/api.git")).toBe(true);
    expect(repo.test("https://github.com/acme/api/tree/main")).toBe(false);
    expect(repo.test("git@github.com:acme/api.git")).toBe(false);
  });
});

describe("ai-issue-autofix outputs", () => {
  it("exposes the patch file, the PR URL and the summary", () => {
    const outputs = asList(flow["outputs"]);
    expect(outputs.map((o) => [o["id"], o["type"]])).toEqual([
      ["patch", "FILE"],
      ["pr_url", "STRING"],
      ["summary", "STRING"],
    ]);
    expect(String(outputs[0]?.["value"])).toContain("outputs.fix.outputFiles['patch.diff']");
    expect(String(outputs[1]?.["value"])).toContain("outputs.create_pr.vars.pr_url");
  });
});
