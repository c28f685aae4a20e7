import type { webApi } from "@slack/bolt";

type WebClient = webApi.WebClient;

import type { Logger } from "../logger.ts";

export interface ApproverPolicy {
  users: string[];
  groups: string[];
}

const GROUP_CACHE_MS = 60_000;

/** Who may approve a run: configured users and group members, or only the requester when none are configured. */
export class Approvers {
  private readonly policy: ApproverPolicy;
  private readonly client: WebClient;
  private readonly logger: Logger;
  private readonly groupCache = new Map<string, { members: Set<string>; until: number }>();

  constructor(policy: ApproverPolicy, client: WebClient, logger: Logger) {
    this.policy = policy;
    this.client = client;
    this.logger = logger;
  }

  get configured(): boolean {
    return this.policy.users.length > 0 || this.policy.groups.length > 0;
  }

  /** A line for the patch message saying who can approve. */
  describe(requester: string): string {
    if (!this.configured) return `Only the requester (<@${requester}>) can approve.`;
    const who = [
      ...this.policy.users.map((u) => `<@${u}>`),
      ...this.policy.groups.map((g) => `<!subteam^${g}>`),
    ];
    return `Approvers: ${who.join(", ")}.`;
  }

  async canApprove(userId: string, requester: string): Promise<boolean> {
    if (!this.configured) return userId === requester;
    if (this.policy.users.includes(userId)) return true;
    for (const group of this.policy.groups) {
      if ((await this.members(group)).has(userId)) return true;
    }
    return false;
  }

  /** May cancel or retry: the requester or an approver. */
  async canOperate(userId: string, requester: string): Promise<boolean> {
    return userId === requester || (await this.canApprove(userId, requester));
  }

  private async members(group: string): Promise<Set<string>> {
    const cached = this.groupCache.get(group);
    if (cached && cached.until > Date.now()) return cached.members;
    try {
      const res = await this.client.usergroups.users.list({ usergroup: group });
      const members = new Set(res.users ?? []);
      this.groupCache.set(group, { members, until: Date.now() + GROUP_CACHE_MS });
      return members;
    } catch (err) {
      // Fail closed: an unreadable group grants nobody.
      this.logger.warn({ err, group }, "cannot read approver user group");
      return new Set();
    }
  }
}
