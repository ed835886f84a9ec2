# syntax=docker/dockerfile:1
# Multi-stage: compile with dev dependencies, ship only the build and production dependencies.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: none are needed, and some dependencies' scripts only phone home.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# The embedded PostgreSQL binaries are optional dependencies: a container always has DATABASE_URL.
RUN npm run build && npm prune --omit=dev --omit=optional --ignore-scripts

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8000 HOST=0.0.0.0
# V8's heap for a 256 MB container: see docs/performance.md, "Memory in a small container"
# (npm run bench -- --memory-limit=256 runs the service under these flags in such a limit).
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=16"
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
