import { CHANNEL_PATTERN } from "../../../settings/channel-settings.ts";
import { FIRST_PAGES, type HomeNav } from "./model.ts";

// The dashboard's navigation state travels in button values and the view's private_metadata.
// It only chooses what to show; nothing is authorized from it.

const MAX_PAGE = 10_000;

export function encodeNav(nav: HomeNav): string {
  return JSON.stringify({
    r: nav.runsPage,
    i: nav.issuesPage,
    ...(nav.channel ? { c: nav.channel } : {}),
  });
}

/** Lenient: anything unreadable falls back to the first pages. */
export function decodeNav(text: string | undefined | null): HomeNav {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? "");
  } catch {
    return { ...FIRST_PAGES };
  }
  const obj = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const c = obj["c"];
  return {
    runsPage: page(obj["r"]),
    issuesPage: page(obj["i"]),
    channel: typeof c === "string" && CHANNEL_PATTERN.test(c) ? c : undefined,
  };
}

function page(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_PAGE
    ? value
    : 1;
}
