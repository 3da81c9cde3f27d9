#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (node:20-bookworm-slim) when no registry can be pulled
# from, and imports it into podman under that image's name, so that the unchanged Dockerfile builds with --pull=never:
# a Debian bookworm minbase from this machine's apt mirror (debootstrap), with this machine's Node 20 and npm at the
# paths the official image has them (/usr/local/bin/node, /usr/local/lib/node_modules/npm). npm in it trusts this
# machine's CA bundle, for machines that reach the npm registry through a TLS-inspecting proxy.
#   usage: scripts/image/base-standin.sh IMAGE_NAME
set -euo pipefail
name=${1:?usage: base-standin.sh IMAGE_NAME}
podman=(podman --runtime runc --cgroup-manager cgroupfs)

node_bin=$(command -v node)
[[ $(node -p 'process.versions.node.split(".")[0]') == 20 ]] || { echo "base-standin: needs this machine's Node 20" >&2; exit 1; }
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mirror=$(grep -rhoE '^URIs: *http[^ ]*debian/?$|^deb +http[^ ]*debian/? ' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | head -1 | grep -oE 'http[^ ]*' || true)
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d "${TMPDIR:-/tmp}/node-standin.XXXXXX")
trap 'rm -rf "$root"' EXIT
echo "base-standin: debootstrap bookworm minbase from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
rm -f "$root.log"
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$root/usr/local/etc/npmrc"
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
chroot "$root" /usr/local/bin/node -e 'process.exit(0)'
tar -C "$root" -c . | "${podman[@]}" import --quiet --change 'CMD ["node"]' - "$name" >/dev/null
echo "base-standin: imported $name ($("${podman[@]}" image inspect --format '{{.Size}}' "$name" | awk '{printf "%.0f MB", $1 / 1e6}'))"
