import type { App, MessageShortcut } from "@slack/bolt";
import { SHORTCUTS } from "../../slack/ids.ts";
import { autofixMessageShortcut, type MessageShortcutDeps } from "./autofix-message.ts";

export type ShortcutDeps = MessageShortcutDeps;

export function registerShortcuts(app: App, d: ShortcutDeps): void {
  app.shortcut<MessageShortcut>(SHORTCUTS.autofixMessage, autofixMessageShortcut(d));
}
