import type { App } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { COMMAND } from "../../slack/ids.ts";
import { autofixCommand } from "./autofix.ts";

export function registerCommands(app: App, s: Services): void {
  app.command(COMMAND, autofixCommand(s));
}
