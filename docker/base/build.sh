#!/usr/bin/env bash
# Builds lockbox/node-base:20 OFFLINE. The one implementation ships with the SDK as
# analysis-sdk/assets/base-image.sh, which `lockbox base build` runs on a developer's machine; this
# path stays for scripts/prereqs.sh and habit.
#
# Usage: docker/base/build.sh [--force]
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/analysis-sdk/assets/base-image.sh" "$@"
