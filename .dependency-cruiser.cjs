// Layers point one way: listeners → commands/home/mentions/runs → kestra, github, slack (port and builders),
// with shared/ and contracts/ at the bottom. src/app.ts composes everything once and hands each
// Slack surface the narrow dependencies its listeners use. `npm run lint:deps` (part of
// `npm test`) enforces it.

const app = "^src/(app|main)\\.ts$";
const entry = "^src/(listeners|http)/";
const features = "^src/(commands|home|mentions)/";
const runs = "^src/(runs|settings/settings-store\\.ts)";
const clients = "^src/(kestra|github)/";
const slack = "^src/slack/";
const bottom =
  "^src/(shared|contracts|errors\\.ts|logger\\.ts|config\\.ts|settings/channel-settings\\.ts)";

const forbid = (name, from, to, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle makes two modules one; split what they share instead.",
      from: {},
      to: { circular: true, dependencyTypesNot: ["type-only"] },
    },
    forbid(
      "composition-root-on-top",
      "^src/(?!main\\.ts$)",
      "^src/app\\.ts$",
      "src/app.ts wires the bot once; only main.ts starts it, nothing below reaches back for it.",
    ),
    forbid(
      "builders-are-pure",
      "^src/slack/blocks/",
      `${runs}|${features}|${entry}|${app}|${clients}|^src/slack/(?!blocks/|ids\\.ts|mrkdwn\\.ts)`,
      "A Block Kit builder takes data and returns blocks: no run logic, no I/O.",
    ),
    forbid(
      "slack-port-below-runs",
      slack,
      `${runs}|${features}|${entry}|${app}`,
      "slack/ is the port runs/ talks through; it never calls back into run logic.",
    ),
    forbid(
      "runs-below-surfaces",
      runs,
      `${features}|${entry}|${app}`,
      "Run logic does not know which Slack surface asked.",
    ),
    forbid(
      "features-below-listeners",
      features,
      `${entry}|${app}`,
      "Commands and the Home are called by listeners, never the reverse.",
    ),
    forbid(
      "clients-are-leaves",
      clients,
      `${runs}|${features}|${entry}|${app}|${slack}`,
      "One client per external API, knowing nothing of runs or Slack.",
    ),
    forbid(
      "bottom-is-bottom",
      bottom,
      `${runs}|${features}|${entry}|${app}|${slack}|${clients}`,
      "Shared helpers, contracts, config and settings depend on nothing above them.",
    ),
    forbid(
      "worker-stands-alone",
      "^src/worker/",
      `${runs}|${features}|${entry}|${app}|${slack}|^src/kestra/`,
      "The worker runs inside Kestra's task, apart from the bot.",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    includeOnly: "^src/",
  },
};
