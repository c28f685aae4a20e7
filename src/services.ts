import type { webApi } from "@slack/bolt";
import type { Config } from "./config.ts";
import type { GitHubClient } from "./github/client.ts";
import type { KestraClient } from "./kestra/client.ts";
import type { Logger } from "./logger.ts";
import type { Background } from "./runs/background.ts";
import type { BatchDigest } from "./runs/batch/digest.ts";
import type { BatchStarterDeps } from "./runs/batch/start.ts";
import type { RunDecisions } from "./runs/decisions.ts";
import type { Links } from "./runs/links.ts";
import type { RunOperations } from "./runs/operations.ts";
import type { Reconciler } from "./runs/reconciler.ts";
import type { RunRevisions } from "./runs/revise.ts";
import type { RunStarter } from "./runs/starter.ts";
import type { RunSyncer } from "./runs/sync.ts";
import type { SettingsStore } from "./settings/settings-store.ts";
import type { Approvers } from "./slack/approvers.ts";

/** Everything the listeners and routes need, built once by createApp. */
export interface Services {
  config: Config;
  logger: Logger;
  slack: webApi.WebClient;
  kestra: KestraClient;
  github: GitHubClient;
  webHost: string;
  links: Links;
  approvers: Approvers;
  settings: SettingsStore;
  syncer: RunSyncer;
  starter: RunStarter;
  digest: BatchDigest;
  batchStarter: BatchStarterDeps;
  decisions: RunDecisions;
  operations: RunOperations;
  revisions: RunRevisions;
  reconciler: Reconciler;
  background: Background;
}
