import type { App, MessageShortcut } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { SHORTCUTS } from "../../slack/ids.ts";
import { autofixMessageShortcut } from "./autofix-message.ts";

export function registerShortcuts(app: App, s: Services): void {
  app.shortcut<MessageShortcut>(SHORTCUTS.autofixMessage, autofixMessageShortcut(s));
}
