#!/usr/bin/env bash
# HTTPS: ForkHost with 4 workers (Comments sample, --bind https://…, --certfile/--keyfile) against the same app in one
# plain Kestrel process (bench/PlainKestrel with --certfile/--keyfile: the same certificate, Kestrel's UseHttps, HTTP/1.1
# and HTTP/2 by ALPN as a forkhost https:// bind), both up at once against one throwaway MariaDB, wrk alternating
# between them round after round, the order flipping every round (see lib/interleaved.sh), on loopback only.
# Figures: GET /plain over HTTPS keep-alive (the target: ForkHost ≥ 0.9 × plain Kestrel), GET /plain over HTTPS with
# Connection: close (a TCP connection and a full TLS handshake per request), and the database endpoint over HTTPS
# keep-alive. The certificate is a throwaway ECDSA P-256 one made by openssl in a temporary directory.
# Prints each round, the medians and the ratios; writes $BENCH_OUT/summary.json.
#   bench/https.sh        # about 4 minutes on 2 cores, once built
# Knobs: BENCH_ROUNDS (5), BENCH_DURATION (5 s), BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_WARMUP (10 s),
# BENCH_OUT (bench/results/https), BENCH_WORKERS (4).
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_ROOT
# shellcheck source=lib/defaults.sh
source "$BENCH_ROOT/bench/lib/defaults.sh"
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_WORKERS=${BENCH_WORKERS:-4}
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/bench/results/https}
BENCH_SCHEME=https

# shellcheck source=lib/common.sh
source "$BENCH_ROOT/bench/lib/common.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_ROOT/bench/lib/servers.sh"
# shellcheck source=lib/measure.sh
source "$BENCH_ROOT/bench/lib/measure.sh"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages mariadb-server wrk openssl python3-mysqldb
log "building (Release)"
(cd "$BENCH_ROOT" && dotnet build ForkHost.sln -c Release -nologo -v quiet -clp:ErrorsOnly >&2)
BENCH_SID=$(ps -o sid= -p $$ | tr -d ' ')
rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT/logs" "$BENCH_OUT/forkhost-$BENCH_WORKERS" "$BENCH_OUT/plain-kestrel"

# The certificate both servers serve, for 127.0.0.1; removed by the cleanup.
tls=$(mktemp -d)
BENCH_TEMPORARY_DIRECTORIES+=("$tls")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tls/privkey.pem" -out "$tls/fullchain.pem" 2>/dev/null
chmod 600 "$tls/privkey.pem"

start_database "$BENCH_BIN" "$BENCH_OUT"
BENCH_DB=$BENCH_DB /usr/bin/python3 "$BENCH_ROOT/bench/lib/versions.py" "$BENCH_BIN" >"$BENCH_OUT/machine.json"

declare -A port pid
forkhost=forkhost-$BENCH_WORKERS
_start "$forkhost" "$BENCH_WORKERS" env FORKHOST_MYSQL="$BENCH_DB;MaximumPoolSize=20" \
  "$BENCH_BIN/forkhost" run --app "$BENCH_BIN/demo-app/Comments.dll" --workers "$BENCH_WORKERS" \
  --bind "https://127.0.0.1:@PORT@" --certfile "$tls/fullchain.pem" --keyfile "$tls/privkey.pem" --log-format json
port[$forkhost]=$SERVER_PORT
pid[$forkhost]=$SERVER_PID
_start plain-kestrel 1 env FORKHOST_MYSQL="$BENCH_DB;MaximumPoolSize=20" \
  "$BENCH_ROOT/bench/PlainKestrel/bin/Release/net10.0/plain-kestrel" --bind "127.0.0.1:@PORT@" \
  --certfile "$tls/fullchain.pem" --keyfile "$tls/privkey.pem"
port[plain-kestrel]=$SERVER_PORT
pid[plain-kestrel]=$SERVER_PID
for spec in "$forkhost" plain-kestrel; do
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --https --port "${port[$spec]}" \
    --workers "$([[ $spec == plain-kestrel ]] && echo 1 || echo "$BENCH_WORKERS")" --t0-ns "$(date +%s%N)" --timeout 90 \
    >"$BENCH_OUT/$spec/startup.json" || die "$spec did not come up over HTTPS: $(tail -n 5 "$BENCH_OUT/logs/$spec.log")"
  SERVER_PORT=${port[$spec]}
  run_wrk /dev/null /plain keepalive "$BENCH_WARMUP"
  run_wrk /dev/null "$BENCH_ECHO_PATH" keepalive 2
  run_wrk /dev/null /plain close 2
done

/usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" start "$BENCH_OUT/.foreign" "$BENCH_SID" "${pid[@]}"
figures=(plain_keepalive plain_close db_keepalive)
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
  order=("$forkhost" plain-kestrel)
  ((round % 2 == 0)) && order=(plain-kestrel "$forkhost")
  for figure in "${figures[@]}"; do
    path=/plain mode=keepalive
    [[ $figure == db_* ]] && path=$BENCH_ECHO_PATH
    [[ $figure == *_close ]] && mode=close
    for spec in "${order[@]}"; do
      SERVER_PORT=${port[$spec]}
      run_wrk "$BENCH_OUT/$spec/${figure}_round$round.json" "$path" "$mode"
      log "round $round, $spec, $figure: $(cat "$BENCH_OUT/$spec/${figure}_round$round.json")"
    done
  done
done
/usr/bin/python3 "$BENCH_ROOT/bench/lib/foreign_cpu.py" stop "$BENCH_OUT/.foreign" "$BENCH_SID" "${pid[@]}" >"$BENCH_OUT/foreign_cpu.json"
log "other processes on the machine meanwhile: $(cut -c1-200 "$BENCH_OUT/foreign_cpu.json")"

/usr/bin/python3 - "$BENCH_OUT" "$BENCH_ROUNDS" "$forkhost" "$BENCH_CONNECTIONS" <<'PY'
import json, statistics, sys
out, rounds, forkhost, connections = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
specs = (forkhost, "plain-kestrel")
figures = {"plain_keepalive": "GET /plain, HTTPS keep-alive", "plain_close": "GET /plain, HTTPS Connection: close",
           "db_keepalive": "GET /echo (one SELECT), HTTPS keep-alive"}
load = lambda spec, figure, r: json.load(open(f"{out}/{spec}/{figure}_round{r}.json"))
summary = {"rounds": rounds, "foreign_cpu": json.load(open(f"{out}/foreign_cpu.json")), "figures": {}}
print(f"HTTPS req/s, {forkhost} against one plain Kestrel process, {rounds} interleaved rounds "
      f"(wrk, {connections} connections):")
for figure, title in figures.items():
    rps = {spec: [load(spec, figure, r)["rps"] for r in range(1, rounds + 1)] for spec in specs}
    errors = {spec: sum(sum(load(spec, figure, r)["errors"].values()) for r in range(1, rounds + 1)) for spec in specs}
    p99 = {spec: statistics.median(load(spec, figure, r)["p99_ms"] for r in range(1, rounds + 1)) for spec in specs}
    median = {spec: statistics.median(values) for spec, values in rps.items()}
    ratio = median[forkhost] / median["plain-kestrel"]
    per_round = [f / p for f, p in zip(rps[forkhost], rps["plain-kestrel"])]
    summary["figures"][figure] = {"rps": rps, "median_rps": median, "median_p99_ms": p99, "errors": errors,
                                  "ratio_of_medians": round(ratio, 3), "per_round_ratios": [round(r, 3) for r in per_round]}
    print(f"  {title}:")
    for spec in specs:
        print(f"    {spec:<14} median {median[spec]:>9,.0f}  p99 {p99[spec]:6.2f} ms  errors {errors[spec]}"
              f"  (rounds: {', '.join(f'{v:,.0f}' for v in rps[spec])})")
    target = " (target ≥ 0.9)" if figure == "plain_keepalive" else ""
    print(f"    ratio {ratio:.3f}{target}; per round: {', '.join(f'{r:.3f}' for r in per_round)}")
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(f"  other processes on the machine meanwhile: {summary['foreign_cpu'].get('cores_busy')} cores busy")
PY
