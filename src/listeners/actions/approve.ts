import type { RunDecisions } from "../../runs/decisions.ts";
import { type ClickDeps, clickHandler } from "./click.ts";

export interface DecideDeps extends ClickDeps {
  decisions: RunDecisions;
}

export const approveAction = (d: DecideDeps) =>
  clickHandler(d, (click) => d.decisions.decide(click, true));
