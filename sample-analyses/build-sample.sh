#!/usr/bin/env bash
# Builds a sample analysis' image OFFLINE: esbuild bundles src/main.ts (with the SDK and its
# dependencies) into one main.js, which goes into a build context with the Dockerfile, on top of
# the locally built lockbox/node-base:24. Nothing is pulled or downloaded.
#
# Usage: sample-analyses/build-sample.sh <sample directory>   (each sample's build.sh calls it)
# Prints the image ID (sha256:…) on stdout; everything else goes to stderr.
set -euo pipefail

HERE="$(cd "${1:?usage: build-sample.sh <sample directory>}" && pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME="$(node -p "require('$HERE/lockbox.json').name")"
VERSION="$(node -p "require('$HERE/lockbox.json').version")"
TAG="lockbox-sample/$NAME:$VERSION"
ESBUILD="$ROOT/node_modules/.bin/esbuild"

die() { echo "$NAME: error: $*" >&2; exit 1; }
[ -x "$ESBUILD" ] || die "esbuild not found at $ESBUILD (run npm install at the repository root)"
command -v docker >/dev/null 2>&1 || die "docker CLI not found"
docker image inspect lockbox/node-base:24 >/dev/null 2>&1 || die "base image lockbox/node-base:24 is missing (run docker/base/build.sh)"

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT

# The root tsconfig maps @lockbox/analysis-sdk to analysis-sdk/src, so the bundle uses the SDK's
# sources and needs no prior SDK build.
"$ESBUILD" "$HERE/src/main.ts" --bundle --platform=node --target=node20 --format=cjs \
  --tsconfig="$ROOT/tsconfig.json" --legal-comments=none --log-level=warning \
  --outfile="$context/main.js" >&2
cp "$HERE/Dockerfile" "$context/Dockerfile"
chmod 0644 "$context/main.js" "$context/Dockerfile"

previous="$(docker image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
# The classic builder: no BuildKit or buildx needed, and FROM a local image nothing is pulled.
DOCKER_BUILDKIT=0 docker build --quiet --tag "$TAG" "$context" >/dev/null
id="$(docker image inspect --format '{{.Id}}' "$TAG")"

# A rebuild with different code leaves the old image untagged; remove it unless something uses it.
if [ -n "$previous" ] && [ "$previous" != "$id" ]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi

echo "$NAME: built $TAG" >&2
echo "$id"
