import type { Services } from "../../services.ts";
import { clickHandler } from "./click.ts";

/** Retry on a failure reply: restarts the run the button names, re-read from Kestra. */
export const retryAction = (s: Services) =>
  clickHandler(s, async (click) => {
    const { execution, ctx } = await s.decisions.load(click);
    const result = await s.operations.retry({ execution, ctx }, click.user);
    return result.ok ? undefined : result.message;
  });
