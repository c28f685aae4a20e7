import type { types, webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import { loadingModal } from "./blocks/modal-notes.ts";

/** unopened: Slack did not open it in time; closed: the person closed it before it was ready. */
export type ModalOutcome = "shown" | "unopened" | "closed";

/**
 * A modal whose content needs slow reads: a trigger_id expires 3 s after the click, so a
 * "Loading…" modal opens at once and becomes what `build` returns.
 */
export async function loadingThen(
  d: { slack: webApi.WebClient; logger: Logger },
  modal: { triggerId: string; title: string; callbackId: string; log: Record<string, unknown> },
  build: () => Promise<types.ModalView>,
): Promise<ModalOutcome> {
  let viewId: string | undefined;
  try {
    const opened = await d.slack.views.open({
      trigger_id: modal.triggerId,
      view: loadingModal(modal.title, modal.callbackId),
    });
    viewId = opened.view?.id;
  } catch (err) {
    d.logger.warn({ err, ...modal.log }, `cannot open the modal "${modal.title}"`);
  }
  if (!viewId) return "unopened";
  const view = await build();
  try {
    await d.slack.views.update({ view_id: viewId, view });
    return "shown";
  } catch (err) {
    d.logger.warn({ err, ...modal.log }, `cannot show the modal "${modal.title}"`);
    return "closed";
  }
}
