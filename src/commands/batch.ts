import { type BatchStarterDeps, startBatch } from "../runs/batch/start.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { parseRepoUrl, repoUrl } from "../shared/issue-url.ts";
import { notAllowedMessage } from "../slack/allow-list.ts";
import { COMMAND } from "../slack/ids.ts";
import { refusalText } from "../slack/refusal-text.ts";
import { modelArg } from "./model-arg.ts";
import { subcommand } from "./types.ts";

export const BATCH_MAX_ISSUES = 50;
const DEFAULT_MAX = 5;

export interface BatchDeps {
  settings: SettingsStore;
  batchStarter: BatchStarterDeps;
  webHost: string;
}

interface BatchArgs {
  repo: string | undefined;
  labels: string[];
  max: number | undefined;
  prs: boolean;
  model: string | undefined;
}

/** `/autofix batch <owner/repo | repo-url> [label:<l>]… [max:<n>] [pr] [model:<id>]` */
export const batchCommand = subcommand<BatchArgs, BatchDeps>({
  name: "batch",
  starts: true,
  usage: `${COMMAND} batch <owner/repo | repo-url> [label:<label>]… [max:<n>] [pr] [model:<id>]`,
  summary: `fix up to n (default ${DEFAULT_MAX}, at most ${BATCH_MAX_ISSUES}) open issues with all the labels (default: the channel's); \`pr\` opens pull requests (after approval), otherwise a dry run`,
  examples: [
    `${COMMAND} batch acme/api label:bug max:3`,
    `${COMMAND} batch https://github.com/acme/api label:bug label:easy pr`,
    `${COMMAND} batch acme/api pr model:gpt-4.1`,
  ],
  parse(words) {
    const args: BatchArgs = {
      repo: undefined,
      labels: [],
      max: undefined,
      prs: false,
      model: undefined,
    };
    for (const word of words) {
      const lower = word.toLowerCase();
      const model = modelArg(word);
      if (model) {
        if (!model.ok) return model;
        args.model = model.model;
      } else if (lower === "pr" || lower === "prs") {
        args.prs = true;
      } else if (lower.startsWith("label:")) {
        const label = word.slice("label:".length);
        if (!/^[^,\s]{1,50}$/.test(label)) {
          return {
            ok: false,
            message: `"${word}" is not a label: use label:<name>, one label per word, no commas.`,
          };
        }
        args.labels.push(label);
      } else if (lower.startsWith("max:")) {
        const n = Number(word.slice(4));
        if (!Number.isInteger(n) || n < 1 || n > BATCH_MAX_ISSUES) {
          return {
            ok: false,
            message: `"${word}": max must be a whole number from 1 to ${BATCH_MAX_ISSUES}.`,
          };
        }
        args.max = n;
      } else if (!word.includes(":") || /^<?https:\/\//i.test(word)) {
        if (args.repo !== undefined) {
          return {
            ok: false,
            message: `Give one repository only ("${args.repo}", then "${word}").`,
          };
        }
        args.repo = word;
      } else {
        return { ok: false, message: `I do not understand "${word}".` };
      }
    }
    return { ok: true, args };
  },
  async run(d, ctx, args) {
    const policy = await d.settings.policy(ctx.channel);
    const given = args.repo ?? policy.defaultRepo;
    if (!given) {
      await ctx.respond({
        response_type: "ephemeral",
        text: `Which repository? Give one (\`${COMMAND} batch acme/api\`) or set a default repository for this channel in the App Home settings.`,
      });
      return;
    }
    const parsed = parseRepoUrl(given, d.webHost, true);
    if (!parsed.ok) {
      await ctx.respond({
        response_type: "ephemeral",
        text: `That is not a repository: ${parsed.reason}.`,
      });
      return;
    }
    const refused = notAllowedMessage(parsed.repo, policy.allowedRepos, d.webHost);
    if (refused) {
      await ctx.respond({ response_type: "ephemeral", text: refused });
      return;
    }
    const result = await startBatch(d.batchStarter, {
      team: ctx.team,
      channel: ctx.channel,
      user: ctx.user,
      repo: { owner: parsed.repo.owner, repo: parsed.repo.repo, url: repoUrl(parsed.repo) },
      labels: args.labels.length > 0 ? args.labels : policy.defaultLabels,
      max: args.max ?? DEFAULT_MAX,
      prs: args.prs,
      model: args.model,
    });
    if (!result.ok) {
      await ctx.respond({ response_type: "ephemeral", text: refusalText(result.refusal) });
    }
  },
});
