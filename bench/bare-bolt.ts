// The baseline of the ack bench: a bare Bolt app that only acks /autofix, as its own process
// (as the bot is), so both answer from a process of their own while the fakes run in the bench's.
import { App } from "@slack/bolt";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare-bolt: ${name} is not set`);
  return value;
};

const app = new App({
  token: env("SLACK_BOT_TOKEN"),
  signingSecret: env("SLACK_SIGNING_SECRET"),
  deferInitialization: true,
  clientOptions: { slackApiUrl: env("SLACK_API_URL") },
});
app.command("/autofix", async ({ ack }) => {
  await ack();
});
await app.init();
await app.start(Number(env("PORT")));
// The line BotProcess waits for (the bot's own says "autofix-slack is up").
console.log(JSON.stringify({ mode: "http", msg: "bare-slack is up" }));
process.on("SIGTERM", () => {
  void app.stop().then(() => process.exit(0));
});
