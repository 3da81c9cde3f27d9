#!/usr/bin/env bash
# Builds the grpc-mesh-proxy image from the repository's unchanged Dockerfile with podman (on a machine with
# Docker and a registry it is a plain `docker build -t grpc-mesh-proxy .`). When one of the Dockerfile's base images
# is neither present nor pullable, a local stand-in is built first: for the build image (node:20-bookworm-slim) by
# scripts/image/base-standin.sh, for the runtime image (distroless Node 20) from the build image by
# scripts/image/distroless-standin.Containerfile.
#   usage: scripts/image/build.sh [TAG]        (default grpc-mesh-proxy:dev)
# On these machines podman needs runc with cgroupfs, and the sandbox's limits on open files and processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-grpc-mesh-proxy:dev}
podman=(podman --runtime runc --cgroup-manager cgroupfs)
build=("${podman[@]}" build --pull=never --network host --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 --quiet)

# The default of `ARG NAME=...` in the Dockerfile, as podman names the image (docker.io/library/ for short names).
base_image() {
  local image
  image=$(sed -nE "s/^ARG $1=(.*)\$/\\1/p" Dockerfile)
  [[ $image == */* ]] || image=library/$image
  [[ ${image%%/*} == *.* ]] || image=docker.io/$image
  echo "$image"
}
# Whether IMAGE is present, or could be pulled (60 s at most).
available() {
  "${podman[@]}" image exists "$1" || timeout 60 "${podman[@]}" pull --quiet "$1" >/dev/null 2>&1
}

build_image=$(base_image BUILD_IMAGE)
runtime_image=$(base_image RUNTIME_IMAGE)
if ! available "$build_image"; then
  echo "build: $build_image cannot be pulled here: building a local stand-in"
  scripts/image/base-standin.sh "$build_image"
fi
if ! available "$runtime_image"; then
  echo "build: $runtime_image cannot be pulled here: building a local stand-in from $build_image"
  "${build[@]}" -f scripts/image/distroless-standin.Containerfile --build-arg "FROM=$build_image" -t "$runtime_image" scripts/image >/dev/null
fi
start=$(date +%s)
"${build[@]}" -t "$tag" . >/dev/null
size() { "${podman[@]}" image inspect --format '{{.Size}}' "$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }
echo "build: $tag in $(($(date +%s) - start)) s: $(size "$tag") ($runtime_image: $(size "$runtime_image"))"
