import type { DecideDeps } from "./approve.ts";
import { clickHandler } from "./click.ts";

export const rejectAction = (d: DecideDeps) =>
  clickHandler(d, (click) => d.decisions.decide(click, false));
