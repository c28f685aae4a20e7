import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

const REDACTED = "[redacted]";

/**
 * A pino logger that can never print a known secret: besides path redaction, every line is
 * scrubbed of the configured secret values and of Basic/Bearer credentials before it is written.
 */
export function createLogger(opts: {
  level: string;
  secrets: string[];
  destination?: DestinationStream;
}): Logger {
  // Lines are JSON: a secret with " or \ in it appears escaped, so scrub that form too.
  const forms = opts.secrets.flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]);
  const secrets = [...new Set(forms)].sort((a, b) => b.length - a.length);
  const scrub = (line: string): string => {
    let out = line;
    for (const s of secrets) out = out.split(s).join(REDACTED);
    return out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{6,}/g, `$1 ${REDACTED}`);
  };
  return pino(
    {
      level: opts.level,
      redact: {
        paths: [
          "*.headers.authorization",
          "*.headers.Authorization",
          "headers.authorization",
          "*.token",
          "*.password",
        ],
        censor: REDACTED,
      },
      hooks: { streamWrite: scrub },
    },
    opts.destination ?? pino.destination(1),
  );
}
