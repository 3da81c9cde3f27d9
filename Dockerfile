# grpc-mesh-proxy: the L7 gRPC proxy of this repository, as a small non-root image.
#   docker build -t grpc-mesh-proxy .
#   docker run --rm -v "$PWD/proxy.yaml:/etc/grpc-mesh-proxy/proxy.yaml:ro" -p 8080:8080 -p 19001:19001 grpc-mesh-proxy
# test/proxy/dockerfile.test.ts checks this file and runs its ENTRYPOINT + CMD the way the image does.

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Compile TypeScript to lib/ (dev dependencies needed here only).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc --build

# 2. Production dependencies only (yaml, zod, pino, prom-client, commander), no install scripts.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund

# 3. Runtime: node, the production node_modules and lib/; no npm, no sources, no compiler.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# npm and yarn are not needed to run the proxy: drop them (and their CVE reports) from the image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
COPY --from=deps /app/package.json /app/package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/lib ./lib
# The distroless "nonroot" UID/GID, numeric so that Kubernetes' runAsNonRoot can verify it without /etc/passwd;
# the same UID the rendered Deployment's securityContext sets (PROXY_UID in src/core/defaults.ts).
USER 65532:65532
# gRPC listener and probe listener (/ready, /live, /metrics) of the rendered config; its admin interface (/config,
# /endpoints too) binds 127.0.0.1:9901, inside the container only.
EXPOSE 8080 19001
# A 2 MiB young generation (V8's default is 16 MiB). Each call's objects die young, so a scavenge costs only the
# calls in flight whatever the size; a larger one saved at most 5-10 % CPU for 13 MiB (8 MiB) to 25 MiB (16 MiB) more
# RSS, with the same p99 (npm run bench; docs/benchmarks/2026-12-03-grpc-lb-bench-gc.md). The container's
# NODE_OPTIONS add --max-old-space-size, from its memory limit.
ENTRYPOINT ["node", "--max-semi-space-size=2", "lib/proxy/main.js"]
CMD ["--config", "/etc/grpc-mesh-proxy/proxy.yaml"]
