import type { webApi } from "@slack/bolt";

type WebClient = webApi.WebClient;

import type { Policy } from "../settings/channel-settings.ts";
import { slackCall } from "./errors.ts";

type ApproverPolicy = Policy["approvers"];

const GROUP_CACHE_MS = 60_000;

const configured = (p: ApproverPolicy) => p.users.length > 0 || p.groups.length > 0;

/** Who may approve a run: the policy's users and group members, or only the requester when none are set. */
export class Approvers {
  private readonly client: WebClient;
  private readonly groupCache = new Map<string, { members: Set<string>; until: number }>();

  constructor(client: WebClient) {
    this.client = client;
  }

  /** A line for the patch message saying who can approve. */
  describe(requester: string, policy: ApproverPolicy): string {
    if (!configured(policy)) return `Only the requester (<@${requester}>) can approve.`;
    const who = [
      ...policy.users.map((u) => `<@${u}>`),
      ...policy.groups.map((g) => `<!subteam^${g}>`),
    ];
    return `Approvers: ${who.join(", ")}.`;
  }

  async canApprove(userId: string, requester: string, policy: ApproverPolicy): Promise<boolean> {
    if (!configured(policy)) return userId === requester;
    if (policy.users.includes(userId)) return true;
    for (const group of policy.groups) {
      if ((await this.members(group)).has(userId)) return true;
    }
    return false;
  }

  /** May cancel or retry: the requester or an approver. */
  async canOperate(userId: string, requester: string, policy: ApproverPolicy): Promise<boolean> {
    return userId === requester || (await this.canApprove(userId, requester, policy));
  }

  private async members(group: string): Promise<Set<string>> {
    const cached = this.groupCache.get(group);
    if (cached && cached.until > Date.now()) return cached.members;
    // An unreadable group grants nobody, and says so: the clicker is told it cannot be checked,
    // not that they are no approver.
    const res = await slackCall("usergroups.users.list", () =>
      this.client.usergroups.users.list({ usergroup: group }),
    );
    const members = new Set(res.users ?? []);
    this.groupCache.set(group, { members, until: Date.now() + GROUP_CACHE_MS });
    return members;
  }
}
