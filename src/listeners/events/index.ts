import type { App } from "@slack/bolt";
import { appHomeOpened, type HomeOpenedDeps } from "./app-home-opened.ts";
import { type AppMentionDeps, appMention } from "./app-mention.ts";
import { type DirectMessageDeps, directMessage } from "./direct-message.ts";

export type EventDeps = HomeOpenedDeps & AppMentionDeps & DirectMessageDeps;

export function registerEvents(app: App, d: EventDeps): void {
  app.event("app_home_opened", appHomeOpened(d));
  app.event("app_mention", appMention(d));
  app.event("message", directMessage(d));
}
