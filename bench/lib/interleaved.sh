# Interleaved rounds: the figures the targets compare (database endpoint, keep-alive), measured with every compared
# server up at once (the idle ones cost nothing) and wrk alternating between them, round after round. On a shared
# 2-core VM a single 5 s run of one server swings by ±30 % from one minute to the next; alternating exposes every
# server to the same drift, and the median of the rounds is what the targets use.
#
# A spec is a server name as in run.sh, optionally with "@VAR=value,VAR=value": environment for that server only,
# e.g. "forkhost-4@DOTNET_TieredPGO=0" (its results go under that name).

start_spec() {
  local spec=$1 base=${1%%@*} env=
  [[ $spec == *@* ]] && env=${spec#*@}
  local BENCH_WORKER_ENV="${BENCH_WORKER_ENV:-} ${env//,/ }"
  local label=${spec//[^A-Za-z0-9._=-]/_}
  case $base in
    forkhost-[0-9]*-reuseport | forkhost-[0-9]*-dispatch)
      local rest=${base#forkhost-}
      start_forkhost "interleaved-$label" "${rest%%-*}" --balance "${rest#*-}" ;;
    forkhost-[0-9]*) start_forkhost "interleaved-$label" "${base#forkhost-}" ;;
    plain-kestrel) start_plain_kestrel "interleaved-$label" ;;
    gunicorn-[0-9]*) start_gunicorn "interleaved-$label" "${base#gunicorn-}" ;;
    uwsgi-[0-9]*) start_uwsgi "interleaved-$label" "${base#uwsgi-}" ;;
    *) die "unknown server in an interleaved spec: $spec" ;;
  esac
}

# measure_interleaved ROUNDS SPEC... → $BENCH_OUT/interleaved/<spec>/round<N>.json
measure_interleaved() {
  local rounds=$1 spec round
  shift
  local -A port pid
  for spec in "$@"; do
    start_spec "$spec"
    port[$spec]=$SERVER_PORT
    pid[$spec]=$SERVER_PID
    mkdir -p "$BENCH_OUT/interleaved/$spec"
    /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "$SERVER_PORT" --workers "$SERVER_WORKERS" \
      --t0-ns "$SERVER_T0" --timeout 60 >"$BENCH_OUT/interleaved/$spec/startup.json" || die "$spec did not come up"
  done
  for spec in "$@"; do
    SERVER_PORT=${port[$spec]}
    run_wrk /dev/null "$BENCH_ECHO_PATH" keepalive "$BENCH_WARMUP"
    run_wrk /dev/null /plain keepalive 2
  done
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" start "$BENCH_OUT/interleaved/.foreign" "$BENCH_SID" "${pid[@]}"
  for ((round = 1; round <= rounds; round++)); do
    for spec in "$@"; do
      SERVER_PORT=${port[$spec]}
      run_wrk "$BENCH_OUT/interleaved/$spec/round$round.json" "$BENCH_ECHO_PATH" keepalive
      log "interleaved round $round, $spec: $(cat "$BENCH_OUT/interleaved/$spec/round$round.json")"
    done
  done
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" stop "$BENCH_OUT/interleaved/.foreign" "$BENCH_SID" "${pid[@]}" \
    >"$BENCH_OUT/interleaved/foreign_cpu.json"
  log "interleaved: other processes on the machine meanwhile: $(cut -c1-200 "$BENCH_OUT/interleaved/foreign_cpu.json")"
  for spec in "$@"; do
    SERVER_PID=${pid[$spec]}
    stop_server
  done
}
