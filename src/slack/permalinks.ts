import type { webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";

// A thread's link. Message links have the documented shape
// https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>: built from the workspace
// URL (auth.test, asked once per client), and chat.getPermalink only when that cannot be had.
// A reply's link (a root that is a reply in a person's thread) adds ?thread_ts=<thread>&cid=<channel>.

const workspaces = new WeakMap<webApi.WebClient, Promise<string>>();

export function threadUrl(
  workspace: string,
  channel: string,
  ts: string,
  threadTs?: string,
): string {
  const url = `${workspace.replace(/\/?$/, "/")}archives/${channel}/p${ts.replace(".", "")}`;
  return threadTs ? `${url}?thread_ts=${threadTs}&cid=${channel}` : url;
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

/** A message's link (a run's root); undefined (logged) only when Slack will not tell either way. */
export async function permalinkOf(
  d: { slack: webApi.WebClient; logger: Logger },
  channel: string,
  ts: string,
  threadTs?: string,
): Promise<string | undefined> {
  try {
    return threadUrl(await workspaceOf(d.slack), channel, ts, threadTs);
  } catch {
    try {
      return (await d.slack.chat.getPermalink({ channel, message_ts: ts })).permalink;
    } catch (err) {
      d.logger.warn({ err, channel }, "cannot get the thread's link");
      return undefined;
    }
  }
}
