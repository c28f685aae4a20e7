import type { App } from "@slack/bolt";
import { appHomeOpened, type HomeOpenedDeps } from "./app-home-opened.ts";

export type EventDeps = HomeOpenedDeps;

export function registerEvents(app: App, d: EventDeps): void {
  app.event("app_home_opened", appHomeOpened(d));
}
