import type { App } from "@slack/bolt";
import type { CommandDeps } from "../commands/registry.ts";
import { type ActionDeps, registerActions } from "./actions/index.ts";
import { registerCommands } from "./commands/index.ts";
import { type EventDeps, registerEvents } from "./events/index.ts";
import { registerShortcuts, type ShortcutDeps } from "./shortcuts/index.ts";
import { registerViews, type ViewDeps } from "./views/index.ts";

/** Each Slack surface gets what its listeners use, composed once in src/app.ts. */
export interface ListenerDeps {
  commands: CommandDeps;
  actions: ActionDeps;
  events: EventDeps;
  shortcuts: ShortcutDeps;
  views: ViewDeps;
}

export function registerListeners(app: App, d: ListenerDeps): void {
  registerCommands(app, d.commands);
  registerActions(app, d.actions);
  registerEvents(app, d.events);
  registerShortcuts(app, d.shortcuts);
  registerViews(app, d.views);
}
