# Shared helpers for the bench scripts: logging, ports, prerequisites, and the cleanup every script relies on.
# Sourced by bench/run.sh (which sets -euo pipefail).

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Every process group we start is recorded here; cleanup kills exactly these groups (by id), nothing else.
BENCH_GROUPS=()

# Starts "$@" in a new session (so it leads its own process group with all its children), output to $BENCH_LOG.
# Sets STARTED_PID. The time.time_ns()-compatible start instant is STARTED_NS, taken just before the exec.
start_group() {
  local logfile=$1
  shift
  STARTED_NS=$(date +%s%N)
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  STARTED_PID=$!
  BENCH_GROUPS+=("$STARTED_PID")
}

# TERM the group, give it up to 5 s, then KILL what is left. The group id is the leader's pid (setsid).
stop_group() {
  local pgid=$1 i
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 -- "-$pgid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}

stop_all_groups() {
  local pgid
  for pgid in "${BENCH_GROUPS[@]}"; do
    stop_group "$pgid"
  done
  BENCH_GROUPS=()
}

# A free loopback TCP port (bound, read, released: a tiny race nobody else on this machine competes for).
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Installs missing Debian packages when we are root (or have sudo); otherwise says what is missing.
ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root: install them first"
    sudo=(sudo)
  fi
  log "installing ${missing[*]} from the distribution's packages"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# Waits until a log file contains a line matching a regular expression, or the process dies, or the timeout passes.
wait_for_log() {
  local file=$1 pattern=$2 pid=$3 timeout=${4:-60} i
  for ((i = 0; i < timeout * 20; i++)); do
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# One throwaway MariaDB for a whole script: `forkhost mysql-server` prints one JSON line and keeps the server until its
# stdin reaches EOF (or TERM); fd 9 is our end of that pipe. Sets DB_PID and BENCH_DB (the connection string).
# Usage: start_database FORKHOST_BINARY_DIRECTORY OUT_DIRECTORY
DB_PID=
start_database() {
  local bin=$1 out=$2 i
  log "starting a throwaway MariaDB"
  exec 9> >(exec "$bin/forkhost" mysql-server >"$out/db.json" 2>"$out/logs/mysql-server.log")
  DB_PID=$!
  for ((i = 0; i < 600; i++)); do [[ -s $out/db.json ]] && break; sleep 0.1; done
  [[ -s $out/db.json ]] || die "the MariaDB helper did not report a server: $(tail -n 5 "$out/logs/mysql-server.log")"
  BENCH_DB=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["connectionString"])' "$out/db.json")
  log "database: $BENCH_DB"
}

# Directories the cleanup removes.
BENCH_TEMPORARY_DIRECTORIES=()

# Every server group, then the database: the helper stops its server on EOF of its stdin or on TERM; give it both,
# then wait for it. For the EXIT trap, with the exit status preserved.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_all_groups
  if [[ -n $DB_PID ]]; then
    exec 9>&- 2>/dev/null || true
    kill -TERM "$DB_PID" 2>/dev/null || true
    timeout 15 tail --pid="$DB_PID" -f /dev/null 2>/dev/null || kill -KILL "$DB_PID" 2>/dev/null || true
  fi
  ((${#BENCH_TEMPORARY_DIRECTORIES[@]} == 0)) || rm -rf "${BENCH_TEMPORARY_DIRECTORIES[@]}"
  exit "$status"
}
