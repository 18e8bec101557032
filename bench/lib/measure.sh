# The measurements, the same for every server. Results land in $BENCH_OUT/<name>/*.json, one file per figure.

BENCH_ECHO_PATH="/echo?n=42&pad=64"

# wrk at the fixed duration and concurrency; "close" adds Connection: close (a new TCP connection per request).
# BENCH_SCHEME=https measures over TLS (bench/https.sh).
run_wrk() {
  local out=$1 path=$2 mode=$3 seconds=${4:-$BENCH_DURATION} script=${5:-stats.lua}
  local headers=()
  [[ $mode == close ]] && headers=(-H "Connection: close")
  wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "${seconds}s" --timeout 5s "${headers[@]}" \
    -s "$BENCH_ROOT/bench/lib/$script" "${BENCH_SCHEME:-http}://127.0.0.1:$SERVER_PORT$path" | tail -n 1 >"$out"
}

# All of one server's figures. Call right after a start_* function.
measure_server() {
  local name=$1 dir="$BENCH_OUT/$1"
  mkdir -p "$dir"
  log "$name: waiting for $SERVER_WORKERS worker(s) to answer on port $SERVER_PORT"
  if ! /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "$SERVER_PORT" --workers "$SERVER_WORKERS" \
    --t0-ns "$SERVER_T0" --timeout 60 >"$dir/startup.json"; then
    log "$name: did not come up; log follows"
    tail -n 20 "$SERVER_LOG" >&2
    return 1
  fi
  log "$name: all answering after $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$dir/startup.json") s"

  # Watch the rest of the machine while this server is measured (see lib/foreign_cpu.py).
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" start "$dir/.foreign" "$BENCH_SID" "$SERVER_PID"

  # Warm-up, for every server alike: JIT tiering, pools, caches. It is recorded as a curve (req/s in each 1 s slice
  # of load on /echo), because how long a server takes to reach its steady state is a figure of its own: every
  # .NET worker JITs and tiers up the same code separately, on cores shared with the other workers.
  mkdir -p "$dir/warmup"
  local second
  for ((second = 1; second <= BENCH_WARMUP; second++)); do
    run_wrk "$dir/warmup/$(printf %02d "$second").json" "$BENCH_ECHO_PATH" keepalive 1
  done
  run_wrk /dev/null /plain keepalive 2

  local endpoint path mode
  for endpoint in db plain; do
    path=$BENCH_ECHO_PATH
    [[ $endpoint == plain ]] && path=/plain
    for mode in keepalive close; do
      run_wrk "$dir/${endpoint}_$mode.json" "$path" "$mode"
      log "$name: $endpoint $mode: $(cat "$dir/${endpoint}_$mode.json")"
    done
  done

  # Requests per worker, keep-alive and not, on the database endpoint (the bodies carry the pid).
  for mode in keepalive close; do
    run_wrk "$dir/spread_$mode.json" "$BENCH_ECHO_PATH" "$mode" "$BENCH_DURATION" spread.lua
    log "$name: spread $mode: $(cat "$dir/spread_$mode.json")"
  done

  /usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" stop "$dir/.foreign" "$BENCH_SID" "$SERVER_PID" >"$dir/foreign_cpu.json"
  log "$name: other processes on the machine meanwhile: $(cut -c1-200 "$dir/foreign_cpu.json")"

  # Memory after load: the master (if any) and every worker that answered.
  local roles=() pid
  for pid in $(/usr/bin/python3 -c 'import json,sys; print(*json.load(open(sys.argv[1]))["pids"])' "$dir/startup.json"); do
    if [[ $pid == "$SERVER_PID" ]]; then roles+=("single=$pid"); else roles+=("worker=$pid"); fi
  done
  [[ " ${roles[*]} " == *" single=$SERVER_PID "* ]] || roles+=("master=$SERVER_PID")
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/memory.py" "${roles[@]}" >"$dir/memory.json"
  log "$name: memory: $(cat "$dir/memory.json")"
}

# HUP reload: wrk keeps hitting /plain with new connections while the supervisor reloads; the reload time runs from
# the signal until N new-generation pids answer.
measure_hup() {
  local name=$1 dir="$BENCH_OUT/$1"
  local old
  old=$(/usr/bin/python3 -c 'import json,sys; print(",".join(map(str, json.load(open(sys.argv[1]))["pids"])))' "$dir/startup.json")
  run_wrk "$dir/hup_wrk.json" /plain close 8 &
  local wrk_pid=$!
  sleep 1
  local t0
  t0=$(date +%s%N)
  kill -HUP "$SERVER_PID"
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "$SERVER_PORT" --workers "$SERVER_WORKERS" \
    --t0-ns "$t0" --exclude "$old" --timeout 60 >"$dir/hup_reload.json" || true
  wait "$wrk_pid" || true
  /usr/bin/python3 - "$dir" <<'PY' >"$dir/hup.json"
import json, sys
d = sys.argv[1]
reload, load = json.load(open(f"{d}/hup_reload.json")), json.load(open(f"{d}/hup_wrk.json"))
print(json.dumps({"seconds": reload.get("seconds"), "requests": load["requests"],
                  "errors": sum(load["errors"].values())}))
PY
  log "$name: HUP reload: $(cat "$dir/hup.json")"
}
