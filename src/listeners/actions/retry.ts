import type { Services } from "../../services.ts";
import { clickHandler } from "./click.ts";

export const retryAction = (s: Services) => clickHandler(s, (click) => s.decisions.retry(click));
