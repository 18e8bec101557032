#!/usr/bin/env bash
# What metrics cost: the database endpoint (GET /echo, one SELECT), keep-alive, on ForkHost with 4 workers, with
# metrics off (no --metrics-bind: the workers' meters have no listener and record nothing) against metrics on
# (--metrics-bind, workers recording ASP.NET Core's meters and reporting every heartbeat, and /metrics scraped every
# second). Both servers run at once against one throwaway MariaDB; wrk alternates between them, round after round,
# and the order flips every round, so both see the same drift of a shared machine (see lib/interleaved.sh).
# Prints each round and the ratio of the medians (target: on ≥ 0.97 × off).
#   bench/metrics.sh        # about 2½ minutes on 2 cores
# Knobs: BENCH_ROUNDS (7), BENCH_DURATION (5 s), BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_WARMUP (10 s),
# BENCH_OUT (bench/results/metrics).
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_ROOT
# shellcheck source=lib/defaults.sh
source "$BENCH_ROOT/bench/lib/defaults.sh"
BENCH_ROUNDS=${BENCH_ROUNDS:-7}
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/bench/results/metrics}

# shellcheck source=lib/common.sh
source "$BENCH_ROOT/bench/lib/common.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_ROOT/bench/lib/servers.sh"
# shellcheck source=lib/measure.sh
source "$BENCH_ROOT/bench/lib/measure.sh"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages mariadb-server wrk
log "building (Release)"
(cd "$BENCH_ROOT" && dotnet build ForkHost.sln -c Release -nologo -v quiet -clp:ErrorsOnly >&2)
rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT/logs" "$BENCH_OUT/off" "$BENCH_OUT/on"
start_database "$BENCH_BIN" "$BENCH_OUT"

declare -A port
start_forkhost off 4
port[off]=$SERVER_PORT
metrics_port=$(free_port)
start_forkhost on 4 --metrics-bind "127.0.0.1:$metrics_port"
port[on]=$SERVER_PORT
for spec in off on; do
  /usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "${port[$spec]}" --workers 4 --t0-ns "$(date +%s%N)" \
    --timeout 60 >"$BENCH_OUT/$spec/startup.json" || die "metrics $spec did not come up"
  SERVER_PORT=${port[$spec]}
  run_wrk /dev/null "$BENCH_ECHO_PATH" keepalive "$BENCH_WARMUP"
done

# The scraper runs through every round, of both servers: on a 2-core machine its CPU is part of the price.
/usr/bin/python3 "$BENCH_ROOT/bench/lib/scrape.py" "http://127.0.0.1:$metrics_port/metrics" >"$BENCH_OUT/on/scrapes.json" &
scraper=$!
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
  order=(off on)
  ((round % 2 == 0)) && order=(on off)
  for spec in "${order[@]}"; do
    SERVER_PORT=${port[$spec]}
    run_wrk "$BENCH_OUT/$spec/round$round.json" "$BENCH_ECHO_PATH" keepalive
    log "round $round, metrics $spec: $(cat "$BENCH_OUT/$spec/round$round.json")"
  done
done
kill -TERM "$scraper"
wait "$scraper" || true
last_scrape=$(/usr/bin/python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
  "http://127.0.0.1:$metrics_port/metrics")
printf '%s\n' "$last_scrape" >"$BENCH_OUT/on/metrics.txt"

/usr/bin/python3 - "$BENCH_OUT" "$BENCH_ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rps = {spec: [json.load(open(f"{out}/{spec}/round{r}.json"))["rps"] for r in range(1, rounds + 1)] for spec in ("off", "on")}
p99 = {spec: [json.load(open(f"{out}/{spec}/round{r}.json"))["p99_ms"] for r in range(1, rounds + 1)] for spec in ("off", "on")}
scrapes = json.load(open(f"{out}/on/scrapes.json"))
median = {spec: statistics.median(values) for spec, values in rps.items()}
ratio = median["on"] / median["off"]
per_round = [on / off for on, off in zip(rps["on"], rps["off"])]
summary = {
    "rounds": rounds,
    "off_rps": rps["off"], "on_rps": rps["on"],
    "off_median_rps": median["off"], "on_median_rps": median["on"],
    "off_median_p99_ms": statistics.median(p99["off"]), "on_median_p99_ms": statistics.median(p99["on"]),
    "ratio_of_medians": round(ratio, 3),
    "per_round_ratios": [round(r, 3) for r in per_round],
    "scrapes": scrapes,
}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
print(f"DB keep-alive req/s, 4 workers, {rounds} interleaved rounds:")
print(f"  metrics off: median {median['off']:,.0f}  (rounds: {', '.join(f'{v:,.0f}' for v in rps['off'])})")
print(f"  metrics on:  median {median['on']:,.0f}  (rounds: {', '.join(f'{v:,.0f}' for v in rps['on'])})")
print(f"  on / off: {ratio:.3f} (target ≥ 0.97); per round: {', '.join(f'{r:.3f}' for r in per_round)}")
print(f"  p99 ms: off {summary['off_median_p99_ms']:.2f}, on {summary['on_median_p99_ms']:.2f}")
print(f"  scrapes: {scrapes['scrapes']} ({scrapes['failures']} failed), {scrapes['mean_bytes']:,} bytes, {scrapes['mean_ms']} ms each")
PY
