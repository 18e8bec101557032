#!/usr/bin/env bash
# One command, one throwaway MariaDB, every server measured against it with the same endpoints:
#   ForkHost (Comments sample, JIT: `forkhost run --app Comments.dll`) with 2 and 4 workers, 4 workers with each
#   balance mode, ForkHost NativeAOT (Comments published with PublishAot=true, its own executable) with 2 and 4 workers,
#   the same app in one plain Kestrel process, gunicorn --preload and uWSGI (Flask + Flask-SQLAlchemy, 4 workers),
#   and the database alone (the same query, no HTTP) as the ceiling.
# Then the interleaved rounds every target uses (lib/interleaved.sh), and the table, ratios, targets and chart into
# docs/benchmarks.md and docs/benchmarks.png.
#
#   bench/run.sh            # under 10 minutes on 2 cores (plus about 2½ for the NativeAOT publish when it is stale)
# Knobs (environment): BENCH_DURATION (s, default 3), BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_WARMUP (s of
# load on /echo before measuring, recorded per second, default 5; BENCH_INTERLEAVE_WARMUP for the interleaved rounds, 8),
# BENCH_OUT (results directory, default bench/results/latest), BENCH_WORKER_ENV ("VAR=value ..." for the .NET
# processes), BENCH_ONLY (space-separated server names to run, default all; "none" for none), BENCH_NO_DOCS=1 (do
# not touch docs/), BENCH_ROUNDS (5), BENCH_INTERLEAVE ("forkhost-aot-4 forkhost-4 plain-kestrel uwsgi-4") and
# BENCH_INTERLEAVE_DURATION (s a load figure, default BENCH_DURATION): the interleaved rounds the targets use, see
# lib/interleaved.sh. The NativeAOT build: artifacts/aot/Comments when newer than its sources, else published into
# BENCH_OUT/aot/Comments (lib/servers.sh, ensure_aot_build).
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_ROOT
# Shorter single runs than the other scripts' (5 s, 10 s of warm-up): with the NativeAOT rows and every target in the
# interleaved rounds, the whole run stays under 10 minutes. The interleaved rounds have their own warm-up.
BENCH_DURATION=${BENCH_DURATION:-3}
BENCH_WARMUP=${BENCH_WARMUP:-5}
BENCH_INTERLEAVE_WARMUP=${BENCH_INTERLEAVE_WARMUP:-8}
# shellcheck source=lib/defaults.sh
source "$BENCH_ROOT/bench/lib/defaults.sh"
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/bench/results/latest}
BENCH_ONLY=${BENCH_ONLY:-}

# shellcheck source=lib/common.sh
source "$BENCH_ROOT/bench/lib/common.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_ROOT/bench/lib/servers.sh"
# shellcheck source=lib/measure.sh
source "$BENCH_ROOT/bench/lib/measure.sh"
# shellcheck source=lib/interleaved.sh
source "$BENCH_ROOT/bench/lib/interleaved.sh"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wanted() { [[ -z $BENCH_ONLY || " $BENCH_ONLY " == *" $1 "* ]]; }

# --- prerequisites: Debian packages when missing (this also runs on fresh machines) --------------------------------
ensure_packages mariadb-server wrk gunicorn uwsgi uwsgi-plugin-python3 python3-flask python3-flask-sqlalchemy \
  python3-mysqldb python3-matplotlib util-linux procps
command -v dotnet >/dev/null || die "the .NET 10 SDK is needed (dotnet not on PATH)"

log "building (Release)"
(cd "$BENCH_ROOT" && dotnet build ForkHost.sln -c Release -nologo -v quiet -clp:ErrorsOnly >&2)

# The bench's own session: wrk, the pollers and the database run in it; each server gets its own (setsid).
BENCH_SID=$(ps -o sid= -p $$ | tr -d ' ')
rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT/logs"
BENCH_AOT_BUILD=none
if wanted forkhost-aot-2 || wanted forkhost-aot-4 ||
  { ((${BENCH_ROUNDS:-5} > 0)) && [[ " ${BENCH_INTERLEAVE:-forkhost-aot-4} " == *" forkhost-aot-"* ]]; }; then
  ensure_aot_build
fi

# --- one throwaway MariaDB for the whole run -----------------------------------------------------------------------
start_database "$BENCH_BIN" "$BENCH_OUT"

# --- the machine and the versions, for the record ------------------------------------------------------------------
BENCH_DB=$BENCH_DB /usr/bin/python3 "$BENCH_ROOT/bench/lib/versions.py" "$BENCH_BIN" >"$BENCH_OUT/machine.json"
echo "{\"warmup_s\":$BENCH_WARMUP,\"duration_s\":$BENCH_DURATION,\"connections\":$BENCH_CONNECTIONS,\"threads\":$BENCH_THREADS,\"echo_path\":\"$BENCH_ECHO_PATH\",\"worker_env\":\"${BENCH_WORKER_ENV:-}\",\"aot_build\":\"$BENCH_AOT_BUILD\",\"interleave_duration_s\":${BENCH_INTERLEAVE_DURATION:-$BENCH_DURATION},\"interleave_warmup_s\":$BENCH_INTERLEAVE_WARMUP}" >"$BENCH_OUT/settings.json"

# --- the database alone: the ceiling -------------------------------------------------------------------------------
if wanted db-ceiling; then
  log "db-ceiling: $BENCH_CONNECTIONS sessions, ${BENCH_DURATION} s, no HTTP"
  mkdir -p "$BENCH_OUT/db-ceiling"
  FORKHOST_MYSQL=$BENCH_DB timeout 60 "$BENCH_ROOT/bench/DbCeiling/bin/Release/net10.0/db-ceiling" \
    "$BENCH_CONNECTIONS" "$BENCH_DURATION" 42 64 >"$BENCH_OUT/db-ceiling/db_keepalive.json"
  log "db-ceiling: $(cat "$BENCH_OUT/db-ceiling/db_keepalive.json")"
fi

# --- the servers, one at a time (2 cores: anything else running would skew them) ----------------------------------
run_one() {
  local name=$1 starter=$2
  shift 2
  wanted "$name" || return 0
  "$starter" "$name" "$@"
  measure_server "$name" || { stop_server; die "$name failed"; }
  # The reload under load, for the default balance mode of each build (the time budget).
  [[ $name == forkhost-4 || $name == forkhost-aot-4 ]] && measure_hup "$name"
  stop_server
}

run_one forkhost-2 start_forkhost 2
run_one forkhost-4 start_forkhost 4
run_one forkhost-4-reuseport start_forkhost 4 --balance reuseport
run_one forkhost-4-dispatch start_forkhost 4 --balance dispatch
run_one forkhost-aot-2 start_forkhost_aot 2
run_one forkhost-aot-4 start_forkhost_aot 4
run_one plain-kestrel start_plain_kestrel
run_one gunicorn-4 start_gunicorn 4
run_one uwsgi-4 start_uwsgi 4

# --- the target comparisons again, interleaved (see lib/interleaved.sh) --------------------------------------------
# Five rounds of the servers the targets compare: ForkHost NativeAOT ×4 (the subject), ForkHost JIT ×4, plain Kestrel
# and uWSGI. What a runtime setting does on its own is an A/B of its own (docs/benchmarks.md):
# BENCH_INTERLEAVE="forkhost-aot-4 forkhost-aot-4@DOTNET_GCgen0size=0 ..." for example.
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_INTERLEAVE=${BENCH_INTERLEAVE:-forkhost-aot-4 forkhost-4 plain-kestrel uwsgi-4}
if ((BENCH_ROUNDS > 0)) && [[ -n $BENCH_INTERLEAVE ]]; then
  # shellcheck disable=SC2086  # a list of specs on purpose
  measure_interleaved "$BENCH_ROUNDS" $BENCH_INTERLEAVE
fi

# --- the report ----------------------------------------------------------------------------------------------------
report_args=("$BENCH_OUT")
[[ ${BENCH_NO_DOCS:-0} == 1 ]] || report_args+=(--docs "$BENCH_ROOT/docs/benchmarks.md" --chart "$BENCH_ROOT/docs/benchmarks.png")
/usr/bin/python3 "$BENCH_ROOT/bench/report.py" "${report_args[@]}"
