# callvault in a container: docs/operations.md ("Container") says how to run
# it beside the PBX (network, volumes, the recordings directory shared with
# the PBX). Two stages: the native modules (better-sqlite3, @discordjs/opus)
# are compiled with build tools that do not ship in the runtime image.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the headers of the node it runs on instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# The console's browser bundle is built by `prepare` too (esbuild, a dev dependency).
COPY scripts/build-console.mjs ./scripts/build-console.mjs
# npm ci runs `prepare` (the TypeScript build into dist/); then drop the dev tools.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# No age or opus-tools here: callvault encrypts and encodes in-process (typage,
# libopus through @discordjs/opus); those binaries are only used by the tests.
RUN groupadd --system callvault \
 && useradd --system --gid callvault --home-dir /var/lib/callvault --shell /usr/sbin/nologin callvault \
 && install -d -o callvault -g callvault -m 0700 /var/lib/callvault \
 && install -d -o root -g callvault -m 0750 /etc/callvault
WORKDIR /opt/callvault
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
COPY config ./config
COPY dialplan ./dialplan
COPY docs ./docs
ENV NODE_ENV=production CALLVAULT_CONFIG=/etc/callvault/callvault.yaml
USER callvault
# Recordings and the index; back this volume up (docs/operations.md, "Backups").
VOLUME ["/var/lib/callvault"]
# FastAGI (pbx.asterisk.agi.listen) and metrics (ops.metrics): bind them to 0.0.0.0 in the config inside a container.
EXPOSE 4573 9464
# status exits 1 when the daemon is down or stale, the PBX link is down, the spool backs up or the disk fills.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s CMD ["node", "/opt/callvault/bin/callvault.js", "status"]
ENTRYPOINT ["node", "/opt/callvault/bin/callvault.js"]
CMD ["run", "--config", "/etc/callvault/callvault.yaml"]
