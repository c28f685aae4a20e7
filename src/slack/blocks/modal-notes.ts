import type { types } from "@slack/bolt";
import { section } from "./parts.ts";

// Modals that only say something: the "Loading…" a button opens at once (its trigger_id expires
// after 3 s, before slow reads would finish), the "Saving…" a submission is answered with, and
// the outcome that replaces them. No inputs, so no submit button.

export interface NoteModalInput {
  /** Modal titles are plain text of at most 24 characters. */
  title: string;
  /** mrkdwn; untrusted parts escaped by the caller. */
  text: string;
  callbackId: string;
  close?: string;
}

export function noteModal(input: NoteModalInput): types.ModalView {
  return {
    type: "modal",
    callback_id: input.callbackId,
    title: { type: "plain_text", text: input.title.slice(0, 24) },
    close: { type: "plain_text", text: (input.close ?? "Close").slice(0, 24) },
    blocks: [section(input.text)],
  };
}

export const LOADING_TEXT = "⏳ Loading…";

export function loadingModal(title: string, callbackId: string): types.ModalView {
  return noteModal({ title, text: LOADING_TEXT, callbackId, close: "Cancel" });
}

/** A form with a notice above its first block (e.g. why the last save failed). */
export function withNotice(view: types.ModalView, text: string): types.ModalView {
  return { ...view, blocks: [section(text), ...view.blocks] };
}
