import { MODEL_PATTERN } from "../settings/channel-settings.ts";
import { quoted } from "./run-args.ts";

/**
 * `model:<id>` in a command's words: the model, a problem with it, or undefined when the word is
 * something else.
 */
export function modelArg(
  word: string,
): { ok: true; model: string } | { ok: false; message: string } | undefined {
  if (!word.toLowerCase().startsWith("model:")) return undefined;
  const model = word.slice("model:".length);
  if (!MODEL_PATTERN.test(model)) {
    return {
      ok: false,
      message: `${quoted(word)} names no model: use model:<id>, e.g. model:gpt-4.1 (letters, digits and . _ : / @ -).`,
    };
  }
  return { ok: true, model };
}
