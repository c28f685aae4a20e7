import { SettingsUnreadableError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import {
  type ChannelSettings,
  channelSettingsSchema,
  effectivePolicy,
  type Policy,
} from "./channel-settings.ts";

const CACHE_MS = 15_000;

export function settingsKey(channel: string): string {
  return `slack-settings-${channel}`;
}

/**
 * Channel settings in Kestra's KV store. A short cache keeps hot paths (every sync) cheap; a
 * replica sees another replica's edit within CACHE_MS.
 */
export class SettingsStore {
  private readonly kestra: KestraClient;
  private readonly defaults: Policy;
  private readonly logger: Logger;
  private readonly cache = new Map<string, { value: ChannelSettings; until: number }>();

  constructor(kestra: KestraClient, defaults: Policy, logger: Logger) {
    this.kestra = kestra;
    this.defaults = defaults;
    this.logger = logger;
  }

  get defaultPolicy(): Policy {
    return this.defaults;
  }

  async get(channel: string): Promise<ChannelSettings> {
    const hit = this.cache.get(channel);
    if (hit && hit.until > Date.now()) return hit.value;
    const raw = await this.kestra.kvGet(settingsKey(channel));
    const parsed = channelSettingsSchema.safeParse(
      typeof raw === "string" ? safeJson(raw) : (raw ?? {}),
    );
    // Never the defaults instead: they could grant approval to people the channel excluded.
    if (!parsed.success) {
      const where = parsed.error.issues[0];
      throw new SettingsUnreadableError(
        `The settings of <#${channel}> stored in Kestra (KV key \`${settingsKey(channel)}\` in ${this.kestra.namespace}) are not valid${where ? ` (${where.path.join(".") || "value"}: ${where.message})` : ""}. An admin should delete that key in Kestra (Namespaces → KV Store), then save the settings again from the App Home.`,
      );
    }
    const value = parsed.data;
    this.cache.set(channel, { value, until: Date.now() + CACHE_MS });
    return value;
  }

  async put(channel: string, settings: ChannelSettings): Promise<void> {
    const value = channelSettingsSchema.parse(settings);
    await this.kestra.kvPut(settingsKey(channel), value);
    this.cache.set(channel, { value, until: Date.now() + CACHE_MS });
  }

  /** The policy in force in a channel. Throws when it cannot be read: authorization fails closed. */
  async policy(channel: string): Promise<Policy> {
    return effectivePolicy(this.defaults, await this.get(channel));
  }

  /** For non-security uses (where to alert): the environment's policy when settings are unreadable. */
  async policyOrDefaults(channel: string): Promise<Policy> {
    try {
      return await this.policy(channel);
    } catch (err) {
      this.logger.warn({ err, channel }, "channel settings unavailable; using defaults");
      return this.defaults;
    }
  }
}

/** Text that is not JSON stays a string, which the schema then refuses. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
