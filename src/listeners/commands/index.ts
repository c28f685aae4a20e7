import type { App } from "@slack/bolt";
import type { CommandDeps } from "../../commands/registry.ts";
import { COMMAND } from "../../slack/ids.ts";
import { autofixCommand } from "./autofix.ts";

export function registerCommands(app: App, d: CommandDeps): void {
  app.command(COMMAND, autofixCommand(d));
}
