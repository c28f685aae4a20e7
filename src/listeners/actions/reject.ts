import type { Services } from "../../services.ts";
import { clickHandler } from "./click.ts";

export const rejectAction = (s: Services) =>
  clickHandler(s, (click) => s.decisions.decide(click, false));
