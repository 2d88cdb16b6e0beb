#!/usr/bin/env bash
# Builds lockbox/node-base:24 (or, with --node 20, lockbox/node-base:20) offline apart from the npm
# registry. The one implementation ships with the SDK as analysis-sdk/assets/base-image.sh, which
# `lockbox base build` runs on a developer's machine; this path stays for scripts/prereqs.sh and habit.
# Here the Node releases are kept in the repository's .tools/, next to the platform's own Node.
#
# Usage: docker/base/build.sh [--node 24|20] [--force | --check]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCKBOX_NODE_CACHE="${LOCKBOX_NODE_CACHE:-$root/.tools}" exec bash "$root/analysis-sdk/assets/base-image.sh" "$@"
