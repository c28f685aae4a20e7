import { z } from "zod";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import { CHANNEL_PATTERN } from "../settings/channel-settings.ts";

// What a person last chose on their Home, kept in Kestra's KV store next to the channel settings,
// so any replica (and the next process) opens the Home as they left it.

export function homePrefsKey(user: string): string {
  return `slack-home-${user}`;
}

const prefsSchema = z.looseObject({ channel: z.string().regex(CHANNEL_PATTERN).optional() });

export class HomePrefs {
  private readonly kestra: KestraClient;
  private readonly logger: Logger;

  constructor(kestra: KestraClient, logger: Logger) {
    this.kestra = kestra;
    this.logger = logger;
  }

  /** The channel picked last, or undefined (never picked, or unreadable: the Home still opens). */
  async channel(user: string): Promise<string | undefined> {
    try {
      const parsed = prefsSchema.safeParse((await this.kestra.kvGet(homePrefsKey(user))) ?? {});
      if (!parsed.success)
        this.logger.warn({ user }, "home: stored choices are not valid; ignored");
      return parsed.success ? parsed.data.channel : undefined;
    } catch (err) {
      this.logger.warn({ err, user }, "home: cannot read the stored choices");
      return undefined;
    }
  }

  /** Throws when Kestra does not store it: the caller tells the person. */
  async rememberChannel(user: string, channel: string | undefined): Promise<void> {
    await this.kestra.kvPut(homePrefsKey(user), channel ? { channel } : {});
  }
}
