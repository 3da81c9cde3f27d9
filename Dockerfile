# grpc-mesh-proxy: the L7 gRPC proxy of this repository, as a small non-root image.
#   docker build -t grpc-mesh-proxy .
#   docker run --rm -v "$PWD/proxy.yaml:/etc/grpc-mesh-proxy/proxy.yaml:ro" -p 8080:8080 -p 19001:19001 grpc-mesh-proxy
# test/proxy/dockerfile.test.ts checks this file and runs its ENTRYPOINT + CMD the way the image does; npm run
# test:image builds it (scripts/image/build.sh) and runs the proxy's end-to-end tests against the container.

ARG BUILD_IMAGE=node:20-bookworm-slim
# Distroless: glibc, CA certificates, tzdata and Node 20 (/nodejs/bin/node); no shell, no package manager, no npm.
# Its "nonroot" variant runs as 65532. Mirror it to your registry and pin it by digest there.
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

# 1. Bundle the proxy and every package it loads into one file (esbuild; dev dependencies needed here only).
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier
COPY tsconfig.json ./
COPY src ./src
COPY scripts/image/bundle-proxy.mjs ./scripts/image/
RUN node scripts/image/bundle-proxy.mjs /out

# 2. Runtime: Node and the bundle (lib/proxy/main.js, a package.json with the version, the bundled packages'
#    licences); no node_modules, no npm, no sources, no compiler, no shell.
FROM ${RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out ./
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
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=2", "lib/proxy/main.js"]
CMD ["--config", "/etc/grpc-mesh-proxy/proxy.yaml"]
