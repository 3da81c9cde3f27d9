#!/usr/bin/env bash
# Builds the grpc-mesh-proxy image of a release from the Dockerfile (scripts/image/build.sh, podman) and tags it
# <PROXY_IMAGE_REPOSITORY>:<version>, the image that version of the library deploys when DataPlane.proxy() or
# GatewayImplementation.proxy() are given no `image` (src/core/data-planes/proxy-tier.ts). `npx projen release` runs it
# after the build, while package.json holds the release's version; the reference goes to dist/proxy-image.txt for the
# push (README, "Releases and versions").
#   usage: scripts/release/image.sh        (after `npx projen bump` and `npx projen compile` when run by hand)
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(node -p "require('./package.json').version")
if [[ $version == 0.0.0 ]]; then
  echo "release image: package.json is at 0.0.0, an unreleased build: run npx projen release (or npx projen bump first)" >&2
  exit 1
fi
if [[ ! -f lib/core/defaults.js ]]; then
  echo "release image: lib/ is not built: run npx projen compile first" >&2
  exit 1
fi
repository=$(node -p "require('./lib/core/defaults.js').PROXY_IMAGE_REPOSITORY")
image="$repository:$version"
bash scripts/image/build.sh "$image"
mkdir -p dist
echo "$image" > dist/proxy-image.txt
echo "release image: $image (dist/proxy-image.txt)"
