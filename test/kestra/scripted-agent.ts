// A scripted coding agent for the real-engine e2e suite: a shell script the worker runs as
// AUTOFIX_AGENT_COMMAND (set on the JVM, so every `fix` task gets it). It reads the issue number
// from the worker's prompt and acts as its control directory says for that issue:
//   edit (default)  rewrites README.md ("fixed for issue N") and reports an explanation and usage;
//                   on a PR's branch (the prompt's follow-up section) it appends "checks fixed for
//                   issue N" to README.md instead, on top of the first fix
//   fail            prints "agent crashed: the model refused (issue N)" on stderr and exits 3
//   wait            touches N.started, then waits (up to 5 minutes) for N.release, then edits
//
// Exports:
//   writeScriptedAgent(dir) -> ScriptedAgent { command, mode(issue, m), started(issue), release(issue) }

import { access, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export type AgentMode = "edit" | "fail" | "wait";

export interface ScriptedAgent {
  /** The AUTOFIX_AGENT_COMMAND value. */
  command: string;
  mode(issue: number, mode: AgentMode): Promise<void>;
  /** Resolves once the agent of that issue has started waiting (mode "wait"). */
  started(issue: number, timeoutMs?: number): Promise<void>;
  release(issue: number): Promise<void>;
}

const SCRIPT = (control: string) => `#!/bin/sh
# Written by test/kestra/scripted-agent.ts. Runs in the clone, as the worker's agent.
set -u
control='${control}'
n=$(printf '%s\\n' "$AUTOFIX_PROMPT" | sed -n 's/^You are fixing GitHub issue #\\([0-9][0-9]*\\) .*/\\1/p' | head -n 1)
mode=$(cat "$control/$n.mode" 2>/dev/null || echo edit)
edit() {
  if printf '%s\\n' "$AUTOFIX_PROMPT" | grep -q '^## Follow-up on pull request'; then
    printf 'checks fixed for issue %s\\n' "$n" >> README.md
  else
    printf 'hello\\nfixed for issue %s\\n' "$n" > README.md
  fi
  printf '{"explanation":"Fixed the greeting of issue %s.","model":"scripted-1","inputTokens":1200,"outputTokens":300,"costUsd":0.0123}\\n' "$n" > "$AUTOFIX_RESULT_FILE"
  echo "edited README.md for issue $n"
}
case "$mode" in
  edit) edit ;;
  fail)
    echo "agent crashed: the model refused (issue $n)" >&2
    exit 3
    ;;
  wait)
    : > "$control/$n.started"
    i=0
    while [ ! -e "$control/$n.release" ] && [ "$i" -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
    edit
    ;;
  *)
    echo "scripted agent: unknown mode $mode" >&2
    exit 64
    ;;
esac
`;

export async function writeScriptedAgent(dir: string): Promise<ScriptedAgent> {
  const control = join(dir, "agent-control");
  await mkdir(control, { recursive: true });
  const script = join(dir, "scripted-agent.sh");
  await writeFile(script, SCRIPT(control), { mode: 0o755 });
  const exists = (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );
  return {
    command: `sh '${script}'`,
    mode: (issue, mode) => writeFile(join(control, `${issue}.mode`), mode),
    async started(issue, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await exists(join(control, `${issue}.started`)))) {
        if (Date.now() > deadline) throw new Error(`the agent of issue ${issue} never started`);
        await sleep(100);
      }
    },
    release: (issue) => writeFile(join(control, `${issue}.release`), ""),
  };
}
