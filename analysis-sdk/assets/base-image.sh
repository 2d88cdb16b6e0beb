#!/usr/bin/env bash
# Builds lockbox/node-base:20 OFFLINE: an image FROM scratch that holds the
# host's Node runtime and only the shared libraries it links against.
#
# The image is rebuilt only when its inputs change. The inputs are this
# script and the path, size and mtime of the node binary and of every
# library it links. A hash of the inputs is stored in the
# image label lockbox.base.inputs.
#
# Usage: lockbox base build [--force]   (or: bash base-image.sh [--force])
# Environment: LOCKBOX_NODE_BIN (default: the `node` on PATH, resolved)
# Ships with @lockbox/analysis-sdk; docker/base/build.sh in the repository runs this file.
set -euo pipefail

IMAGE=lockbox/node-base:20
LABEL=lockbox.base.inputs
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

say() { echo "node-base: $*"; }
die() { echo "node-base: error: $*" >&2; exit 1; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,12p' "$SELF"; exit 0 ;;
    *) die "unknown argument: $arg" ;;
  esac
done

command -v docker >/dev/null 2>&1 || die "docker CLI not found"

# --- the Node runtime -------------------------------------------------------
if [ -n "${LOCKBOX_NODE_BIN:-}" ]; then
  node_bin="$LOCKBOX_NODE_BIN"
else
  # The node on PATH is the one npm scripts run with (process.execPath);
  # resolving it here avoids paying for a node start on every check.
  node_bin="$(command -v node 2>/dev/null)" || die "node not found on PATH (or set LOCKBOX_NODE_BIN)"
fi
node_bin="$(readlink -f "$node_bin")"
[ -x "$node_bin" ] || die "not an executable: $node_bin"

# The shared libraries node links against, plus the dynamic loader.
# ldd prints "libx.so => /path (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)".
ldd_out="$(ldd "$node_bin" 2>&1)" || die "ldd failed on $node_bin: $ldd_out"
if grep -q 'not found' <<<"$ldd_out"; then
  die "node has unresolved libraries:"$'\n'"$ldd_out"
fi
mapfile -t libs < <(awk '
  $2 == "=>" { if ($3 ~ /^\//) print $3; next }
  $1 ~ /^\// { print $1 }' <<<"$ldd_out" | sort -u)
[ "${#libs[@]}" -gt 0 ] || die "ldd found no libraries for $node_bin (a static node is not supported)"

# --- skip when up to date ----------------------------------------------------
inputs="$(
  {
    echo "image=$IMAGE"
    sha256sum "$SELF" | cut -d' ' -f1
    stat -L -c '%n %s %Y' "$node_bin" "${libs[@]}"
  } | sha256sum | cut -d' ' -f1
)"
current="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)"
if [ "$force" = 0 ] && [ "$current" = "$inputs" ]; then
  exit 0
fi
old_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"

node_version="$("$node_bin" -v)"
case "$node_version" in
  v20.*) ;;
  *) die "$IMAGE must carry Node 20, but $node_bin is $node_version (set LOCKBOX_NODE_BIN to a Node 20 binary)" ;;
esac
say "building $IMAGE (node $node_version from $node_bin)"

# --- assemble the build context ----------------------------------------------
ctx="$(mktemp -d "${TMPDIR:-/tmp}/lockbox-node-base.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp" "$root/app"
cp -L "$node_bin" "$root/usr/local/bin/node"
chmod 0755 "$root/usr/local/bin/node"
for lib in "${libs[@]}"; do
  # Keep the path ldd reported: the loader path is baked into the ELF, and
  # the library directories are the loader's built-in search path (the
  # image has no ld.so.cache).
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
chmod 1777 "$root/tmp"
chmod 0755 "$root/app"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
analysis:x:10001:10001:Lockbox analysis:/tmp:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
analysis:x:10001:
nogroup:x:65534:
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group"

cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin
WORKDIR /app
USER 10001:10001
ENTRYPOINT ["node"]
EOF

# --- build (legacy builder: FROM scratch needs no network and no BuildKit) ---
if ! DOCKER_BUILDKIT=0 docker build --quiet --iidfile "$ctx/iid" \
      --label "$LABEL=$inputs" \
      --label "lockbox.base.node=$node_version" \
      --label "org.opencontainers.image.title=lockbox node-base" \
      "$ctx" >"$ctx/build.log" 2>&1; then
  tail -n 20 "$ctx/build.log" >&2
  die "docker build failed"
fi
new_id="$(cat "$ctx/iid")"

# --- verify before tagging ----------------------------------------------------
got="$(docker run --rm --network none "$new_id" -e 'console.log(process.version)' 2>&1)" || got="(failed) $got"
if [ "$got" != "$node_version" ]; then
  docker image rm "$new_id" >/dev/null 2>&1 || true
  die "verification failed: expected $node_version, got: $got"
fi
docker tag "$new_id" "$IMAGE"
# Drop the previous build if nothing else uses it (errors are expected when
# analysis images were built on top of it).
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  docker image rm "$old_id" >/dev/null 2>&1 || true
fi
say "built $IMAGE ${new_id:0:19}"
