import type { FollowUps } from "../../runs/follow-up.ts";
import { type ClickDeps, clickHandler } from "./click.ts";

export interface FollowUpActionDeps extends ClickDeps {
  followUps: FollowUps;
}

/** Fix the failing checks, under a red checks reply: the value names the run that opened the PR. */
export const fixChecksAction = (d: FollowUpActionDeps) =>
  clickHandler(d, (click) => d.followUps.fromButton(click, click.user, "checks"));
