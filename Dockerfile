# syntax=docker/dockerfile:1
# One image for the Slack bot (`node src/main.ts`) and the Kestra worker (`autofix …`, run by the
# Docker task runner). Node 24 runs the TypeScript sources directly: there is no build step.

# --- production dependencies only -------------------------------------------------------------
FROM node:24.9.0-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- the coding agent (Cline CLI), pinned ------------------------------------------------------
FROM node:24.9.0-slim AS agent
ARG CLINE_VERSION=3.0.65
RUN npm install -g --omit=dev --no-audit --no-fund "cline@${CLINE_VERSION}" && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------------
FROM node:24.9.0-slim AS runtime
# git: the worker clones and commits. setpriv (util-linux) lets the Kestra tasks drop from root to
# `node` after taking ownership of their working directory; fail the build if it is missing.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && command -v setpriv
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=agent /usr/local/lib/node_modules/cline /usr/local/lib/node_modules/cline
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
RUN ln -s /usr/local/lib/node_modules/cline/bin/cline /usr/local/bin/cline \
  && chmod 0755 bin/autofix \
  && ln -s /app/bin/autofix /usr/local/bin/autofix \
  && test -x /usr/local/bin/cline
# The image's own user: the bot runs as `node`, and so does the worker after setpriv.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/main.ts"]
