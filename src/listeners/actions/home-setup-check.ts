import { isWorkspaceAdmin } from "../../home/permissions.ts";
import type { SetupCheck } from "../../home/setup-check.ts";
import type { HomeNotice } from "../../slack/blocks/home/model.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { link } from "../../slack/mrkdwn.ts";
import {
  clickerTeam,
  type HomeArgs,
  type HomeRefreshDeps,
  homeState,
  refreshHome,
} from "./home-common.ts";

export interface HomeSetupCheckDeps extends HomeRefreshDeps {
  setup: SetupCheck;
}

/** "Run setup check": admins and owners start setup-check in Kestra; its report comes back later. */
export const homeSetupCheckAction = (d: HomeSetupCheckDeps) => async (args: HomeArgs) => {
  await args.ack();
  const { nav } = homeState(args.body);
  await refreshHome(d, args, nav, await startCheck(d, args));
};

async function startCheck(d: HomeSetupCheckDeps, args: HomeArgs): Promise<HomeNotice> {
  const user = args.body.user.id;
  try {
    if (!(await isWorkspaceAdmin(d, user))) {
      return { kind: "error", text: "Only workspace admins and owners can run the setup check." };
    }
    const started = await d.setup.start({ team: await clickerTeam(d.slack, args), user });
    return {
      kind: "info",
      text: `Setup check started (${link(started.url, "in Kestra")}). Its results show here when it reports back, usually within a minute.`,
    };
  } catch (err) {
    d.logger.warn({ err, user }, "cannot start the setup check");
    return { kind: "error", text: `The setup check did not start: ${userMessage(err)}` };
  }
}
