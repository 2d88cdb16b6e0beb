#!/usr/bin/env bash
# Builds lockbox/busybox:1 OFFLINE: an image FROM scratch holding a static
# busybox (Debian: busybox-static) and a symlink for every applet, like
# `busybox --install -s`. Tests use it as "an analysis image no one on the
# team wrote": it runs as root by default, has no WORKDIR and its CMD is
# ["sh"], like the upstream busybox image. The platform has to override all
# of that.
#
# The image is rebuilt only when its inputs change (this script, and the
# busybox binary's path, size and mtime). A hash of the inputs is stored in
# the image label lockbox.base.inputs.
#
# Usage: docker/busybox/build.sh [--force | --check]
#   --check  builds nothing: exit 0 when the image is up to date, else say why and exit 1
# Environment: LOCKBOX_BUSYBOX_BIN (default: /bin/busybox, then `busybox` on PATH)
set -euo pipefail

IMAGE=lockbox/busybox:1
LABEL=lockbox.base.inputs
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

say() { echo "busybox: $*"; }
die() { echo "busybox: error: $*" >&2; exit 1; }

force=0
check=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --check) check=1 ;;
    -h|--help) sed -n '2,16p' "$SELF"; exit 0 ;;
    *) die "unknown argument: $arg" ;;
  esac
done

command -v docker >/dev/null 2>&1 || die "docker CLI not found"

is_static() {
  local out
  out="$(ldd "$1" 2>&1 || true)"
  grep -qE 'not a dynamic executable|statically linked' <<<"$out"
}

bb=""
for cand in "${LOCKBOX_BUSYBOX_BIN:-}" /bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
  [ -n "$cand" ] && [ -x "$cand" ] || continue
  cand="$(readlink -f "$cand")"
  if is_static "$cand"; then bb="$cand"; break; fi
done
if [ -z "$bb" ] && [ "$check" = 1 ]; then echo "$IMAGE: no statically linked busybox (busybox-static)" >&2; exit 1; fi
[ -n "$bb" ] || die "no statically linked busybox found (Debian: apt-get install busybox-static; or set LOCKBOX_BUSYBOX_BIN)"

# --- skip when up to date ----------------------------------------------------
inputs="$(
  {
    echo "image=$IMAGE"
    sha256sum "$SELF" | cut -d' ' -f1
    stat -L -c '%n %s %Y' "$bb"
  } | sha256sum | cut -d' ' -f1
)"
current="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)"
if [ "$check" = 1 ]; then
  [ -n "$current" ] || { echo "$IMAGE (not built)" >&2; exit 1; }
  [ "$current" = "$inputs" ] || { echo "$IMAGE as of now (busybox or the build script changed)" >&2; exit 1; }
  exit 0
fi
if [ "$force" = 0 ] && [ "$current" = "$inputs" ]; then
  exit 0
fi
old_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"

bb_help="$("$bb" --help 2>&1 || true)"   # no pipe: pipefail + SIGPIPE would abort
bb_version="${bb_help%%$'\n'*}"
bb_version="$(awk '{print $2}' <<<"$bb_version")"
say "building $IMAGE (busybox $bb_version from $bb)"

# --- assemble the build context ----------------------------------------------
ctx="$(mktemp -d "${TMPDIR:-/tmp}/lockbox-busybox.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/tmp" "$root/root"
cp -L "$bb" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"

# One symlink per applet, at the path busybox itself would install it.
if applets="$("$bb" --list-full 2>/dev/null)" && [ -n "$applets" ]; then
  :
else
  applets="$("$bb" --list | sed 's|^|bin/|')"
fi
while IFS= read -r applet; do
  [ -n "$applet" ] && [ "$applet" != "bin/busybox" ] || continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done <<<"$applets"
[ -L "$root/bin/sh" ] || die "busybox at $bb has no sh applet"

chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group"

cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
EOF

# --- build (legacy builder: FROM scratch needs no network and no BuildKit) ---
if ! DOCKER_BUILDKIT=0 docker build --quiet --iidfile "$ctx/iid" \
      --label "$LABEL=$inputs" \
      --label "org.opencontainers.image.title=lockbox busybox (test image)" \
      "$ctx" >"$ctx/build.log" 2>&1; then
  tail -n 20 "$ctx/build.log" >&2
  die "docker build failed"
fi
new_id="$(cat "$ctx/iid")"

# --- verify before tagging ----------------------------------------------------
got="$(docker run --rm --network none "$new_id" sh -c 'echo ok; id -u' 2>&1 | tr '\n' ' ')" || true
if [ "$got" != "ok 0 " ]; then
  docker image rm "$new_id" >/dev/null 2>&1 || true
  die "verification failed: expected 'ok 0', got: $got"
fi
docker tag "$new_id" "$IMAGE"
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  docker image rm "$old_id" >/dev/null 2>&1 || true
fi
say "built $IMAGE ${new_id:0:19}"
