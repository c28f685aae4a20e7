// Untrusted text (issue titles, log lines, agent output) must not become links, mentions or
// broadcasts in mrkdwn. Slack's own escaping rule: & < > become entities.

export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Untrusted text inside a ``` block: escaped, with backtick runs broken so it cannot close the block. */
export function codeBlock(text: string, max = 2500): string {
  // Clip after escaping: entities can make the text several times longer (section limit 3000).
  const safe = escapeText(text).replace(/`{3,}/g, (m) => m.split("").join("\u200b"));
  return `\`\`\`${safe.length > max ? `${safe.slice(0, max)}\n…` : safe}\`\`\``;
}

export function link(url: string, label: string): string {
  // A | or > in either part would end the link early.
  return `<${url.replace(/[|>]/g, encodeURIComponent)}|${escapeText(label).replace(/\|/g, "¦")}>`;
}

/** Slack renders the date in the reader's time zone; the fallback (ISO, to the second) where it cannot. */
export function slackDate(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  const fallback = new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A pull request's link as people name it: "PR #43" (the URL's number), else "pull request". */
export function prLink(url: string): string {
  const n = /\/pull\/(\d+)(?:[/?#]|$)/.exec(url)?.[1];
  return link(url, n ? `PR #${n}` : "pull request");
}
