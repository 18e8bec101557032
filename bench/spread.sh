#!/usr/bin/env bash
# Keep-alive spread over the workers, in each balance mode: requests answered per worker under wrk (keep-alive
# connections), and max/min. Usage: bench/spread.sh [WORKERS=4] [CONNECTIONS=32] [SECONDS=5]
# Builds ForkHost (Release) if needed; installs wrk from the distribution's packages if missing. Stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-4}
connections=${2:-32}
seconds=${3:-5}
command -v wrk >/dev/null || { [[ $(id -u) -eq 0 ]] && apt-get install -y -q wrk >/dev/null; }
[[ -x src/Lab/ForkHost.Lab/bin/Release/net10.0/forkhost ]] || ./dev build >/dev/null
forkhost=src/Lab/ForkHost.Lab/bin/Release/net10.0/forkhost
app=samples/Hello/bin/Release/net10.0/Hello.dll
log=$(mktemp)
supervisor=
trap '[[ -n $supervisor ]] && kill -TERM "$supervisor" 2>/dev/null; rm -f "$log"' EXIT

echo "workers=$workers connections=$connections duration=${seconds}s (wrk -t2, keep-alive)"
for mode in shared reuseport dispatch; do
  "$forkhost" run --app "$app" --workers "$workers" --bind 127.0.0.1:0 --balance "$mode" --log-format json >"$log" 2>&1 &
  supervisor=$!
  for _ in $(seq 100); do grep -q '"Id":1109' "$log" && break; sleep 0.1; done
  grep -q '"Id":1109' "$log" || { echo "forkhost did not become ready" >&2; cat "$log" >&2; exit 1; }
  port=$(grep -o '"Address":"http://127.0.0.1:[0-9]*' "$log" | head -1 | grep -o '[0-9]*$')
  result=$(timeout $((seconds + 20)) wrk -t2 -c"$connections" -d"${seconds}s" -s bench/spread.lua "http://127.0.0.1:$port/")
  counts=$(grep '^per-worker' <<<"$result" | cut -d' ' -f2-)
  rps=$(grep 'Requests/sec' <<<"$result" | awk '{print $2}')
  answering=$(wc -w <<<"$counts")
  if (( answering < workers )); then
    ratio="infinite ($((workers - answering)) of $workers workers answered nothing)"
  else
    ratio=$(tr ' ' '\n' <<<"$counts" | cut -d= -f2 | sort -n | awk 'NR==1{min=$1} {max=$1} END{printf "%.2f", max/min}')
  fi
  echo "$mode: req/s $rps; per worker (pid=requests): $counts; max/min $ratio"
  kill -TERM "$supervisor"; wait "$supervisor" || true; supervisor=
done
