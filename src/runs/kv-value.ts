import type { KestraClient } from "../kestra/client.ts";
import { KeyedLock } from "./keyed-lock.ts";

/**
 * A map kept as one value of Kestra's KV store by the one bot process that writes it (no
 * replicas): read once, then kept in memory; a change is written only when it changes something.
 */
export class KvMap<V> {
  private readonly kestra: KestraClient;
  private readonly key: string;
  private readonly serial = new KeyedLock();
  private known: Record<string, V> | undefined;

  constructor(kestra: KestraClient, key: string) {
    this.kestra = kestra;
    this.key = key;
  }

  change(edit: (all: Record<string, V>) => void): Promise<void> {
    return this.serial.run(this.key, async () => {
      const all = { ...(await this.all()) };
      const before = JSON.stringify(all);
      edit(all);
      if (JSON.stringify(all) === before) return;
      await this.kestra.kvPut(this.key, all);
      this.known = all;
    });
  }

  async all(): Promise<Record<string, V>> {
    if (!this.known) {
      const raw = await this.kestra.kvGet(this.key);
      this.known = raw && typeof raw === "object" ? (raw as Record<string, V>) : {};
    }
    return this.known;
  }
}
