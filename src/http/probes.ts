import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import { type Probe, ProbeError } from "./health.ts";

/** The Kestra the bot speaks to: the released 2.x API (kestrapy 2.0.x). */
export function isSupportedKestra(version: string): boolean {
  return /^2\.\d+\./.test(version);
}

export interface KestraProbeDeps {
  kestra: KestraClient;
  logger: Logger;
  /** Tells the admins, once per key. */
  alert: (key: string, headline: string, detail?: string) => Promise<void>;
}

/**
 * Kestra answers GET /api/v1/configs with a 2.x version. Each version seen is logged; one that is
 * not 2.x is named in the alerts channel, and the bot is not ready.
 */
export function kestraProbe(d: KestraProbeDeps): Probe {
  let seen: string | undefined;
  return async () => {
    let version: string;
    try {
      version = await d.kestra.version();
    } catch (err) {
      throw new ProbeError(reason(err));
    }
    if (version !== seen) {
      seen = version;
      d.logger.info({ kestraVersion: version }, `Kestra ${version}`);
    }
    if (!isSupportedKestra(version)) {
      await d.alert(
        `kestra-version:${version}`,
        `Kestra ${version} is not a 2.x server: the bot speaks Kestra 2.0's API and cannot work with it`,
        "Run Kestra 2.0 (docker-compose.yml pins the version the tests prove), or point KESTRA_URL at one.",
      );
      throw new ProbeError(`version ${version} is not 2.x`);
    }
    return version;
  };
}

function reason(err: unknown): string {
  if (!(err instanceof UpstreamError)) return "unreachable";
  if (err.kind === "unauthorized") return "refused the bot's credentials";
  if (err.kind === "incompatible") return "answered what the bot cannot use";
  if (err.kind === "unavailable" || err.kind === "rate_limited") return "unreachable";
  return `refused (${err.status ?? err.kind})`;
}
