#!/usr/bin/env bash
# Builds lockbox/node-base:<major> OFFLINE, apart from the npm registry: an image FROM scratch that
# holds the official Node.js binary of one pinned release and only the shared libraries it links
# against. The binary comes from the npm package node-linux-<arch> (node-dist.sh), never from the
# host's own Node, so the image carries the same Node on every machine; the C and C++ runtime
# libraries (glibc, libstdc++) are this machine's.
#
# lockbox/node-base:24 is the default. --node 20 builds lockbox/node-base:20, the base of analyses
# written before Node 24: their Dockerfiles keep building, and their images keep running.
#
# The image is rebuilt only when its inputs change: this script, the pinned release, and the path,
# size and mtime of every library node links. A hash of the inputs is stored in the image label
# lockbox.base.inputs.
#
# Usage: lockbox base build [--node 24|20] [--force]
#        bash base-image.sh [--node 24|20] [--force | --check]
#   --check  builds nothing: exit 0 when the image is up to date, else say why and exit 1
# Environment: LOCKBOX_NODE_CACHE  where Node releases are kept (default ~/.cache/lockbox/node)
# Ships with @lockbox/analysis-sdk; docker/base/build.sh in the repository runs this file.
set -euo pipefail

# The Node release behind each tag. The platform's own Node (.node-version in the repository) is the
# same 24 release; a unit test keeps them equal.
NODE_RELEASE_24=24.22.3
NODE_RELEASE_20=20.20.2
LABEL=lockbox.base.inputs
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"

say() { echo "node-base: $*"; }
die() { echo "node-base: error: $*" >&2; exit 1; }

force=0
check=0
major=24
while [ "$#" -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --check) check=1 ;;
    --node)
      [ "$#" -ge 2 ] || die "--node needs a major version: 24 or 20"
      major="$2"
      shift
      ;;
    --node=*) major="${1#--node=}" ;;
    -h|--help) sed -n '2,19p' "$SELF"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
  shift
done
case "$major" in
  24) node_release="$NODE_RELEASE_24" ;;
  20) node_release="$NODE_RELEASE_20" ;;
  *) die "no base image for Node $major: --node 24 (the default) or --node 20" ;;
esac
IMAGE="lockbox/node-base:$major"

command -v docker >/dev/null 2>&1 || die "docker CLI not found"
[ "$(uname -s)" = Linux ] || die "the base image is assembled from this machine's libraries: it needs Linux"

# --- the Node runtime -------------------------------------------------------
cache="${LOCKBOX_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/lockbox/node}"
node_bin="$cache/node-$node_release/bin/node"
if [ "$check" = 1 ] && [ ! -x "$node_bin" ]; then
  echo "$IMAGE: Node $node_release is not in $cache yet (run lockbox base build, or npm run prereqs)" >&2
  exit 1
fi
if [ ! -x "$node_bin" ] || [ "$check" = 0 ]; then
  # Verifies the binary answers v$node_release; fetches it only when it is missing.
  node_bin="$(bash "$HERE/node-dist.sh" "$node_release" "$cache")" || die "cannot get Node $node_release"
fi

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
    echo "image=$IMAGE node=$node_release"
    sha256sum "$SELF" | cut -d' ' -f1
    stat -L -c '%n %s %Y' "${libs[@]}"
  } | sha256sum | cut -d' ' -f1
)"
current="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)"
if [ "$check" = 1 ]; then
  [ -n "$current" ] || { echo "$IMAGE (not built)" >&2; exit 1; }
  [ "$current" = "$inputs" ] || { echo "$IMAGE as of now (its Node, libraries or build script changed)" >&2; exit 1; }
  exit 0
fi
if [ "$force" = 0 ] && [ "$current" = "$inputs" ]; then
  exit 0
fi
old_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"

node_version="v$node_release"
say "building $IMAGE (Node $node_release, from the npm registry)"

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
