import { clickHandler } from "./click.ts";
import type { FollowUpActionDeps } from "./fix-checks.ts";

/** Address the review, under a changes-requested reply: the value is `<run>:<review id>`. */
export const addressReviewAction = (d: FollowUpActionDeps) =>
  clickHandler(d, (click) => {
    const [run = "", review = ""] = click.executionId.split(":");
    const reviewId = /^\d+$/.test(review) ? Number(review) : undefined;
    return d.followUps.fromButton({ ...click, executionId: run }, click.user, "review", reviewId);
  });
