// Plain JavaScript that any Node parses: says what is wrong on a Node too old for the bot's
// TypeScript (type stripping and the APIs it uses need Node 24), instead of ERR_UNKNOWN_FILE_EXTENSION.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `autofix-slack needs Node 24 or later; this is Node ${process.versions.node}.\n` +
      "Install Node 24 LTS (https://nodejs.org, or `nvm install 24`), or run it with Docker: docker compose up -d.\n",
  );
  process.exit(1);
}
