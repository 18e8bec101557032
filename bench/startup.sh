#!/usr/bin/env bash
# Start-up, as a distribution rather than one sample: start → all 4 workers answering, repeated, for ForkHost as built
# (`dotnet build`), ForkHost published with ReadyToRun code (as README's service section installs it), and uWSGI (the
# baseline, in the same run). Also the CPU time each process had used when all answered: where start-up goes.
#   bench/startup.sh [REPETITIONS=5]     # about 1 minute; results in bench/results/startup/, summary printed
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_ROOT
repetitions=${1:-5}
BENCH_OUT=$BENCH_ROOT/bench/results/startup
# shellcheck source=lib/common.sh
source "$BENCH_ROOT/bench/lib/common.sh"
# shellcheck source=lib/servers.sh
source "$BENCH_ROOT/bench/lib/servers.sh"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages mariadb-server uwsgi uwsgi-plugin-python3 python3-flask python3-flask-sqlalchemy python3-mysqldb
rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT/logs"
built=$BENCH_ROOT/src/Lab/ForkHost.Lab/bin/Release/net10.0
# A throwaway install, like /opt/forkhost in README's service section; not kept with the results.
published=$(mktemp -d)
BENCH_TEMPORARY_DIRECTORIES+=("$published")
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
log "building (Release), and publishing with ReadyToRun for $rid"
(cd "$BENCH_ROOT" && dotnet build ForkHost.sln -c Release -nologo -v quiet -clp:ErrorsOnly >&2)
dotnet publish "$BENCH_ROOT/src/Tool" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
  -o "$published" -nologo -v quiet -clp:ErrorsOnly >&2
dotnet publish "$BENCH_ROOT/samples/Comments" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
  -o "$published/demo-app" -nologo -v quiet -clp:ErrorsOnly >&2

start_database "$built" "$BENCH_OUT"

# CPU time (user + system, ms) of a process and of each of its children, from /proc/PID/stat.
cpu_times() {
  local pid
  for pid in "$1" $(pgrep -P "$1"); do
    awk -v pid="$pid" -v hz="$(getconf CLK_TCK)" '{ printf "%s%d", sep, ($14 + $15) * 1000 / hz; sep = "," }' "/proc/$pid/stat"
    printf ' '
  done
}

for ((round = 1; round <= repetitions; round++)); do
  for variant in built published uwsgi; do
    case $variant in
      built) BENCH_BIN=$built start_forkhost "$variant-$round" 4 ;;
      published) BENCH_BIN=$published start_forkhost "$variant-$round" 4 ;;
      uwsgi) start_uwsgi "$variant-$round" 4 ;;
    esac
    result=$(/usr/bin/python3 "$BENCH_ROOT/bench/lib/await_workers.py" --port "$SERVER_PORT" --workers 4 --t0-ns "$SERVER_T0" --timeout 60)
    echo "{\"variant\":\"$variant\",\"round\":$round,\"startup\":$result,\"cpu_ms\":\"$(cpu_times "$SERVER_PID")\"}" >>"$BENCH_OUT/startup.jsonl"
    log "$variant round $round: $result; CPU ms (master, then workers): $(cpu_times "$SERVER_PID")"
    stop_server
  done
done

/usr/bin/python3 - "$BENCH_OUT/startup.jsonl" <<'PY' | tee "$BENCH_OUT/report.md"
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
label = {"built": "ForkHost, 4 workers (dotnet build)", "published": "ForkHost, 4 workers (published, ReadyToRun)",
         "uwsgi": "uWSGI, master + 4 processes"}
medians = {}
print("| server | start → 4 answering, per run (s) | median | master CPU ms (median) | worker CPU ms (median of all) |")
print("| --- | --- | ---: | ---: | ---: |")
for variant in ("built", "published", "uwsgi"):
    runs = [r for r in rows if r["variant"] == variant]
    seconds = [r["startup"]["seconds"] for r in runs]
    cpu = [[int(x) for x in r["cpu_ms"].split()] for r in runs]
    medians[variant] = statistics.median(seconds)
    print(f"| {label[variant]} | {' / '.join(f'{s:.2f}' for s in seconds)} | {medians[variant]:.2f} s | "
          f"{statistics.median(c[0] for c in cpu):.0f} | {statistics.median(x for c in cpu for x in c[1:]):.0f} |")
print()
for variant in ("built", "published"):
    print(f"{label[variant]} ÷ uWSGI: {medians[variant] / medians['uwsgi']:.2f}×")
PY
