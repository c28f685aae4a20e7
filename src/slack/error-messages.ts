import { AutofixError, InputError, NotAuthorizedError, UpstreamError } from "../errors.ts";

/** The one place where errors become text for people in Slack. Never includes secrets. */
export function userMessage(err: unknown): string {
  if (err instanceof InputError || err instanceof NotAuthorizedError) return err.message;
  if (err instanceof UpstreamError) return upstreamMessage(err);
  if (err instanceof AutofixError) return err.message;
  return "Something unexpected went wrong. The error has been logged; please try again or tell your admin.";
}

function upstreamMessage(err: UpstreamError): string {
  switch (err.service) {
    case "kestra":
      switch (err.kind) {
        case "unauthorized":
          return "Kestra refused the bot's credentials (401). An admin should check KESTRA_USERNAME and KESTRA_PASSWORD.";
        case "not_found":
          return "Kestra does not know the autofix flow (404). An admin should check that the flows in kestra/workflows are loaded and KESTRA_NAMESPACE is right.";
        case "conflict":
          return "Kestra refused because of the run's state (409): the flow may be disabled, or the run is no longer in a state that allows this.";
        case "invalid":
          return `Kestra rejected the request as invalid: ${err.detail ?? err.message}`;
        case "rate_limited":
        case "unavailable":
          return `Kestra is not reachable right now (${err.message}). Try again in a few minutes.`;
        case "incompatible":
          return `Kestra answered in a way the bot cannot use (${err.message}). An admin should check that Kestra is the version the bot supports (2.0).`;
      }
      break;
    case "github":
      switch (err.kind) {
        case "not_found":
          return "GitHub says that issue does not exist, or the bot's token cannot see the repository.";
        case "unauthorized":
          return "GitHub refused the bot's token. An admin should check GITHUB_TOKEN.";
        default:
          return "GitHub is not reachable right now. Try again in a few minutes.";
      }
    case "slack":
      switch (err.kind) {
        case "unauthorized":
          return `Slack refused the bot (${err.detail ?? err.kind}). An admin should check the bot's token and scopes.`;
        case "not_found":
          return `Slack cannot find the conversation or message (${err.detail ?? err.kind}).`;
        case "conflict":
          return `Slack does not allow it in this conversation (${err.detail ?? err.kind}): it may be archived, or the bot is not a member.`;
        case "rate_limited":
        case "unavailable":
          return "Slack is not answering right now. Try again in a minute.";
        default:
          return `Slack refused a call from the bot (${err.detail ?? err.message}).`;
      }
    default:
      return `${err.service} failed: ${err.message}`;
  }
  return err.message;
}

/**
 * Why the bot cannot start a thread in a channel, for the person who asked there: an invitation
 * is the fix when Slack does not let it in; otherwise what Slack said.
 */
export function cannotPostMessage(err: unknown): string {
  const code = err instanceof UpstreamError && err.service === "slack" ? err.detail : undefined;
  if (code === "not_in_channel" || code === "channel_not_found") {
    return "I cannot post in this channel. Invite the bot first (`/invite @autofix`), or run the command in a channel where it is a member.";
  }
  if (code === "missing_scope") {
    return "The bot may not join this channel by itself (its Slack app lacks the channels:join scope: an admin should reinstall it from manifest.yml). Invite it instead: `/invite @autofix`.";
  }
  if (code === "is_archived")
    return "This channel is archived: the bot cannot start a thread in it.";
  return `The run's thread could not be started: ${userMessage(err)}`;
}

/**
 * Why something could not start, in a few words for the person who asked: the details (and what
 * to change) go to the admins, who are told at the same time.
 */
export function shortReason(err: unknown): string {
  if (err instanceof InputError || err instanceof NotAuthorizedError) return err.message;
  if (!(err instanceof UpstreamError)) return "something unexpected went wrong";
  const who = {
    kestra: "Kestra",
    slack: "Slack",
    github: "GitHub",
    git: "git",
    agent: "the coding agent",
    database: "the bot's database",
  }[err.service];
  switch (err.kind) {
    case "unavailable":
    case "rate_limited":
      return `${who} is not reachable right now`;
    case "unauthorized":
      return `${who} refused the bot's credentials`;
    case "not_found":
      return err.service === "kestra"
        ? "Kestra does not have the autofix flow"
        : `${who} could not find it`;
    case "conflict":
      return err.service === "kestra"
        ? "Kestra refused to start it (the flow may be disabled)"
        : `${who} refused it`;
    case "invalid":
      return `${who} refused the run's inputs`;
    case "incompatible":
      return `${who} answered in a way the bot cannot use`;
  }
}
