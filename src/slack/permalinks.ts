import type { webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";

// A thread's link. Message links have the documented shape
// https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>: built from the workspace
// URL (auth.test, asked once per client), and chat.getPermalink only when that cannot be had.

const workspaces = new WeakMap<webApi.WebClient, Promise<string>>();

export function threadUrl(workspace: string, channel: string, ts: string): string {
  return `${workspace.replace(/\/?$/, "/")}archives/${channel}/p${ts.replace(".", "")}`;
}

function workspaceOf(client: webApi.WebClient): Promise<string> {
  let found = workspaces.get(client);
  if (!found) {
    found = client.auth.test().then((res) => {
      if (!res.url) throw new Error("auth.test gave no workspace URL");
      return res.url;
    });
    // A failure is asked again next time.
    found.catch(() => workspaces.delete(client));
    workspaces.set(client, found);
  }
  return found;
}

/** The link of a thread's root; undefined (logged) only when Slack will not tell either way. */
export async function permalinkOf(
  d: { slack: webApi.WebClient; logger: Logger },
  channel: string,
  ts: string,
): Promise<string | undefined> {
  try {
    return threadUrl(await workspaceOf(d.slack), channel, ts);
  } catch {
    try {
      return (await d.slack.chat.getPermalink({ channel, message_ts: ts })).permalink;
    } catch (err) {
      d.logger.warn({ err, channel }, "cannot get the thread's link");
      return undefined;
    }
  }
}
