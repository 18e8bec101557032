# Interleaved rounds: every figure the targets compare, measured with every compared server up at once (the idle ones
# cost nothing) and the measurements alternating between them, round after round, the order rotating every round. On
# a shared 2-core VM a single 5 s run of one server swings by ±30 % from one minute to the next; alternating exposes
# every server to the same drift, and the median of the rounds is what the targets use.
#
# One round, for each server in turn (round N starts with the Nth server):
#   1. start-up: a fresh instance of the server is started (the long-lived ones idle meanwhile), timed from its exec
#      until all its workers answer (lib/await_workers.py), and stopped;
#   2. load on the long-lived instance (started and warmed up once, before round 1: BENCH_INTERLEAVE_WARMUP s on the
#      database endpoint, 2 s on /plain): the database endpoint
#      keep-alive, /plain keep-alive, /plain with Connection: close, BENCH_INTERLEAVE_DURATION s each, each figure
#      alternating over the servers before the next one;
#   3. memory: RSS and PSS of every worker of the long-lived instance, after that round's load.
#
# A spec is a server name as in run.sh, optionally with "@VAR=value,VAR=value": environment for that server only,
# e.g. "forkhost-4@DOTNET_TieredPGO=0" (its results go under that name), and for a NativeAOT spec
# "@BENCH_AOT_DIR=DIR" another publish of Comments, e.g. "forkhost-aot-4@BENCH_AOT_DIR=/tmp/speed".

INTERLEAVED_FIGURES=(db_keepalive plain_keepalive plain_close)

start_spec() {
  local spec=$1 name=$2 base=${1%%@*} env= word extra=()
  [[ $spec == *@* ]] && env=${spec#*@}
  # BENCH_AOT_DIR=DIR in a spec's environment is another NativeAOT build (an A/B of publish properties), not a
  # variable for the server.
  local BENCH_AOT_DIR=${BENCH_AOT_DIR:-}
  for word in ${env//,/ }; do
    if [[ $word == BENCH_AOT_DIR=* ]]; then BENCH_AOT_DIR=${word#*=}; else extra+=("$word"); fi
  done
  local BENCH_WORKER_ENV="${BENCH_WORKER_ENV:-} ${extra[*]}"
  case $base in
    forkhost-aot-[0-9]*) start_forkhost_aot "$name" "${base#forkhost-aot-}" ;;
    forkhost-[0-9]*-reuseport | forkhost-[0-9]*-dispatch)
      local rest=${base#forkhost-}
      start_forkhost "$name" "${rest%%-*}" --balance "${rest#*-}" ;;
    forkhost-[0-9]*) start_forkhost "$name" "${base#forkhost-}" ;;
    plain-kestrel) start_plain_kestrel "$name" ;;
    gunicorn-[0-9]*) start_gunicorn "$name" "${base#gunicorn-}" ;;
    uwsgi-[0-9]*) start_uwsgi "$name" "${base#uwsgi-}" ;;
    *) die "unknown server in an interleaved spec: $spec" ;;
  esac
}

# RSS and PSS of a server's processes (lib/memory.py): the pids that answered at start-up are its workers (or, when
# it is the master itself, a single process), the master is SERVER_PID. Usage: record_memory STARTUP_JSON OUT_JSON
record_memory() {
  local startup=$1 out=$2 roles=() pid
  for pid in $(/usr/bin/python3 -c 'import json,sys; print(*json.load(open(sys.argv[1]))["pids"])' "$startup"); do
    if [[ $pid == "$SERVER_PID" ]]; then roles+=("single=$pid"); else roles+=("worker=$pid"); fi
  done
  [[ " ${roles[*]} " == *" single=$SERVER_PID "* ]] || roles+=("master=$SERVER_PID")
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/memory.py" "${roles[@]}" >"$out"
}

# The specs in round ROUND's order: rotated by ROUND - 1. Usage: rotated ROUND SPEC... (prints one a line)
rotated() {
  local round=$1
  shift
  local specs=("$@") i n=$#
  for ((i = 0; i < n; i++)); do printf '%s\n' "${specs[(i + round - 1) % n]}"; done
}

# measure_interleaved ROUNDS SPEC... → $BENCH_OUT/interleaved/<spec>/<figure>/round<N>.json (<spec> with any character
# but letters, digits and ._=- made _), figure one of startup,
# memory and INTERLEAVED_FIGURES.
measure_interleaved() {
  local rounds=$1 spec round figure mode path
  shift
  local duration=${BENCH_INTERLEAVE_DURATION:-$BENCH_DURATION}
  local -A port pid label
  local root=$BENCH_OUT/interleaved
  log "interleaved: $rounds rounds of $*, ${duration} s a load figure"
  for spec in "$@"; do
    label[$spec]=${spec//[^A-Za-z0-9._=-]/_}
    start_spec "$spec" "interleaved-${label[$spec]}"
    port[$spec]=$SERVER_PORT
    pid[$spec]=$SERVER_PID
    mkdir -p "$root/${label[$spec]}/startup" "$root/${label[$spec]}/memory"
    for figure in "${INTERLEAVED_FIGURES[@]}"; do mkdir -p "$root/${label[$spec]}/$figure"; done
    /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "$SERVER_PORT" --workers "$SERVER_WORKERS" \
      --t0-ns "$SERVER_T0" --timeout 60 >"$root/${label[$spec]}/long-lived.json" || die "$spec did not come up"
  done
  for spec in "$@"; do
    SERVER_PORT=${port[$spec]}
    run_wrk /dev/null "$BENCH_ECHO_PATH" keepalive "${BENCH_INTERLEAVE_WARMUP:-$BENCH_WARMUP}"
    run_wrk /dev/null /plain keepalive 2
  done
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" start "$root/.foreign" "$BENCH_SID" "${pid[@]}"
  local order=()
  for ((round = 1; round <= rounds; round++)); do
    mapfile -t order < <(rotated "$round" "$@")
    # 1. start-up of a fresh instance of each, the long-lived ones idle
    for spec in "${order[@]}"; do
      start_spec "$spec" "interleaved-${label[$spec]}-start$round"
      /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "$SERVER_PORT" --workers "$SERVER_WORKERS" \
        --t0-ns "$SERVER_T0" --timeout 60 >"$root/${label[$spec]}/startup/round$round.json" || { stop_server; die "$spec did not come up"; }
      stop_server
    done
    # 2. the load figures on the long-lived instances, each figure over all servers before the next
    for figure in "${INTERLEAVED_FIGURES[@]}"; do
      path=$BENCH_ECHO_PATH
      [[ $figure == plain_* ]] && path=/plain
      mode=${figure#*_}
      for spec in "${order[@]}"; do
        SERVER_PORT=${port[$spec]}
        run_wrk "$root/${label[$spec]}/$figure/round$round.json" "$path" "$mode" "$duration"
      done
    done
    # 3. memory after the load
    for spec in "${order[@]}"; do
      SERVER_PID=${pid[$spec]}
      record_memory "$root/${label[$spec]}/long-lived.json" "$root/${label[$spec]}/memory/round$round.json"
    done
    for spec in "${order[@]}"; do
      log "interleaved round $round, $spec: $(/usr/bin/python3 - "$root/${label[$spec]}" "$round" <<'PY'
import json, sys
d, r = sys.argv[1], sys.argv[2]
j = lambda f: json.load(open(f"{d}/{f}/round{r}.json"))
w = [m["pss_mib"] for m in j("memory") if m["role"] in ("worker", "single")]
print(f"start {j('startup')['seconds']} s, DB ka {j('db_keepalive')['rps']:.0f}/s p99 {j('db_keepalive')['p99_ms']:.1f} ms, "
      f"plain ka {j('plain_keepalive')['rps']:.0f}/s, plain close {j('plain_close')['rps']:.0f}/s, worker PSS {sum(w) / len(w):.1f} MiB")
PY
)"
    done
  done
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" stop "$root/.foreign" "$BENCH_SID" "${pid[@]}" \
    >"$root/foreign_cpu.json"
  log "interleaved: other processes on the machine meanwhile: $(cut -c1-200 "$root/foreign_cpu.json")"
  for spec in "$@"; do
    SERVER_PID=${pid[$spec]}
    stop_server
  done
}
