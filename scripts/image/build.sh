#!/usr/bin/env bash
# Builds the grpc-mesh-proxy image from the repository's unchanged Dockerfile with podman (on a machine with
# Docker and a registry it is a plain `docker build -t grpc-mesh-proxy .`). When the Dockerfile's base image is
# neither present nor pullable, a local stand-in is built first (scripts/image/base-standin.sh).
#   usage: scripts/image/build.sh [TAG]        (default grpc-mesh-proxy:dev)
# On these machines podman needs runc with cgroupfs, and the sandbox's limits on open files and processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-grpc-mesh-proxy:dev}
podman=(podman --runtime runc --cgroup-manager cgroupfs)

base=$(sed -nE 's/^ARG NODE_IMAGE=(.*)$/\1/p' Dockerfile)
[[ $base == */* ]] || base=docker.io/library/$base
if ! "${podman[@]}" image exists "$base"; then
  if ! timeout 60 "${podman[@]}" pull --quiet "$base" >/dev/null 2>&1; then
    echo "build: $base cannot be pulled here: building a local stand-in"
    scripts/image/base-standin.sh "$base"
  fi
fi
start=$(date +%s)
"${podman[@]}" build --pull=never --network host --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 --quiet -t "$tag" . >/dev/null
size() { "${podman[@]}" image inspect --format '{{.Size}}' "$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }
echo "build: $tag in $(($(date +%s) - start)) s: $(size "$tag") ($base: $(size "$base"))"
