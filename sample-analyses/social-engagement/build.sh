#!/usr/bin/env bash
# Builds the social-engagement image offline and prints its image ID (see ../build-sample.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build-sample.sh" "$(dirname "${BASH_SOURCE[0]}")"
