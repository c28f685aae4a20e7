// auth.test, users.info, usergroups.users.list, conversations.info of the fake Slack.

import { str } from "./api-request.ts";
import { ApiError, invalidArguments, type MethodContext, type MethodSpec } from "./context.ts";

function authTest(ctx: MethodContext) {
  const { config } = ctx;
  return {
    url: `https://${config.teamDomain}.slack.com/`,
    team: "Fake Workspace",
    user: ctx.state.users.get(config.botUserId)?.name ?? "bot",
    team_id: config.teamId,
    user_id: config.botUserId,
    bot_id: config.botId,
    is_enterprise_install: false,
  };
}

function usersInfo(ctx: MethodContext) {
  const id = str(ctx.params, "user");
  const user = id === undefined ? undefined : ctx.state.users.get(id);
  if (!user) throw new ApiError("user_not_found");
  return {
    user: {
      id: user.id,
      team_id: ctx.config.teamId,
      name: user.name,
      real_name: user.realName,
      deleted: user.deleted,
      is_admin: user.isAdmin,
      is_owner: user.isOwner,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: user.isBot,
      is_app_user: false,
      tz: "Etc/UTC",
      profile: { real_name: user.realName, display_name: user.name, team: ctx.config.teamId },
    },
  };
}

function usergroupUsers(ctx: MethodContext) {
  const id = str(ctx.params, "usergroup");
  if (id === undefined) throw invalidArguments("missing required field: usergroup");
  const users = ctx.state.usergroups.get(id);
  if (!users) throw new ApiError("no_such_subteam");
  return { users: [...users] };
}

function conversationsInfo(ctx: MethodContext) {
  const id = str(ctx.params, "channel");
  const channel = id === undefined ? undefined : ctx.state.channels.get(id);
  if (!channel) throw new ApiError("channel_not_found");
  if (channel.imUser) {
    return {
      channel: {
        id: channel.id,
        is_im: true,
        is_channel: false,
        is_group: false,
        is_mpim: false,
        is_private: true,
        user: channel.imUser,
        is_archived: false,
        context_team_id: ctx.config.teamId,
      },
    };
  }
  return {
    channel: {
      id: channel.id,
      name: channel.name,
      name_normalized: channel.name,
      is_channel: !channel.isPrivate,
      is_group: channel.isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: channel.isPrivate,
      is_archived: channel.isArchived,
      is_general: channel.name === "general",
      is_member: channel.botMember,
      context_team_id: ctx.config.teamId,
    },
  };
}

/** conversations.join (channels:join): public channels only; a member stays one (a warning). */
function conversationsJoin(ctx: MethodContext) {
  const id = str(ctx.params, "channel");
  const channel = id === undefined ? undefined : ctx.state.channels.get(id);
  if (!channel || (channel.isPrivate && !channel.botMember))
    throw new ApiError("channel_not_found");
  if (channel.isArchived) throw new ApiError("is_archived");
  if (channel.isPrivate || channel.imUser)
    throw new ApiError("method_not_supported_for_channel_type");
  const already = channel.botMember;
  channel.botMember = true;
  return {
    channel: { id: channel.id, name: channel.name, is_member: true },
    ...(already
      ? { warning: "already_in_channel", response_metadata: { warnings: ["already_in_channel"] } }
      : {}),
  };
}

export const DIRECTORY_METHODS: Record<string, MethodSpec> = {
  "conversations.join": { tier: 3, acceptsJson: false, jsonFields: [], run: conversationsJoin },
  "auth.test": { tier: 4, acceptsJson: false, jsonFields: [], run: authTest },
  "users.info": { tier: 4, acceptsJson: false, jsonFields: [], run: usersInfo },
  "usergroups.users.list": { tier: 2, acceptsJson: false, jsonFields: [], run: usergroupUsers },
  "conversations.info": { tier: 3, acceptsJson: false, jsonFields: [], run: conversationsInfo },
};
